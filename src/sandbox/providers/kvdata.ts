// Key Vault data plane on https://<vault>.vault.localhost:<port> (or a cloud's vault host): the 401 challenge,
// the vault firewall (the operator's public IP), the caller's data permissions (RBAC or access policy), and
// metadata reads of certificates and secrets. No key material or secret value is ever served.
import { cloudOfHost, vaultResource } from '../clouds.ts';
import { ArmError, header, ok, type Ctx, type Reply } from '../http.ts';
import { ipv4Contains } from '../ipv4.ts';
import { hasAction } from '../rbac.ts';
import type { ArmResource, Json, VaultObject, VaultObjectVersion } from '../types.ts';
import { currentVersion, derivedThumbprint } from './apim-fetch.ts';

const CERT_VERSIONS = ['2025-07-01', '7.6', '7.5', '7.4'];
const SECRET_VERSIONS = ['2026-04-01', '2025-07-01', '7.6', '7.5', '7.4'];

const unix = (iso: string | undefined) => (iso ? Math.floor(Date.parse(iso) / 1000) : undefined);

function kvError(status: number, code: string, message: string, inner?: string, headers: Record<string, string> = {}): ArmError {
  return new ArmError(status, code, message, inner ? { innererror: { code: inner } } : {}, headers);
}

function caller(ctx: Ctx): string {
  return `appid=04b07795-8ddb-461a-bbee-02f9e1bf7b46;oid=${ctx.principalId};iss=https://sts.windows.net/${ctx.state.world.tenantId}/`;
}

/** Firewall and permission gates for one data-plane operation. */
function authorise(
  ctx: Ctx,
  vault: ArmResource,
  dataAction: string,
  policyKind: 'certificates' | 'secrets',
  policyPermission: 'get' | 'list',
): void {
  const p: Json = vault.properties ?? {};
  const vaultText = `${vault.name};location=${vault.location ?? ''}`;
  const pna = String(p.publicNetworkAccess ?? 'Enabled');
  const acls: Json = p.networkAcls ?? {};
  const ip = ctx.state.world.operator.publicIp ?? '0.0.0.0';
  const firewallOn = pna !== 'Enabled' || acls.defaultAction === 'Deny';
  const admitted = pna === 'Enabled' && (acls.ipRules ?? []).some((r: Json) => ipv4Contains(String(r.value), ip));
  if (firewallOn && !admitted) {
    const message =
      pna === 'Enabled'
        ? `Client address is not authorized and caller is not a trusted service.\r\nClient address: ${ip}\r\nCaller: ${caller(ctx)}\r\nVault: ${vaultText}`
        : `Public network access is disabled and request is not from a trusted service nor via an approved private link.\r\nCaller: ${caller(ctx)}\r\nVault: ${vaultText}`;
    throw kvError(403, 'Forbidden', message, pna === 'Enabled' ? 'ForbiddenByFirewall' : 'ForbiddenByConnection');
  }
  if (p.enableRbacAuthorization === true) {
    if (!hasAction(ctx.state, ctx.principalId, dataAction, vault.id, 'data')) {
      throw kvError(
        403,
        'Forbidden',
        `Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: ${caller(ctx)}\r\nAction: '${dataAction}'\r\nResource: '${vault.id.toLowerCase()}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: ${vaultText}\r\n`,
        'ForbiddenByRbac',
      );
    }
    return;
  }
  const allowed = (p.accessPolicies ?? []).some(
    (a: Json) =>
      String(a.objectId).toLowerCase() === ctx.principalId.toLowerCase() &&
      (a.permissions?.[policyKind] ?? []).some((x: string) => [policyPermission, 'all'].includes(x.toLowerCase())),
  );
  if (!allowed) {
    throw kvError(
      403,
      'Forbidden',
      `The user, group or application '${caller(ctx)}' does not have ${policyKind} ${policyPermission} permission on key vault '${vaultText}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      'ForbiddenByPolicy',
    );
  }
}

function attributes(v: VaultObjectVersion): Json {
  return {
    enabled: v.enabled !== false,
    ...(v.notBefore ? { nbf: unix(v.notBefore) } : {}),
    ...(v.expires ? { exp: unix(v.expires) } : {}),
    created: unix(v.created) ?? 0,
    updated: unix(v.created) ?? 0,
    recoveryLevel: 'Recoverable+Purgeable',
    recoverableDays: 90,
  };
}

/** The x5t (base64url SHA-1 thumbprint) of a version. */
function x5t(vault: string, name: string, v: VaultObjectVersion): string {
  const hex = v.thumbprint ?? derivedThumbprint(vault, name, v.version);
  return Buffer.from(hex, 'hex').toString('base64url');
}

function paged(ctx: Ctx, items: Json[]): Json {
  const size = Number(ctx.query.get('maxresults') ?? 25) || 25;
  const start = Number(ctx.query.get('$skiptoken') ?? 0) || 0;
  const value = items.slice(start, start + size);
  if (start + size >= items.length) return { value, nextLink: null };
  const q = new URLSearchParams(ctx.query);
  q.set('$skiptoken', String(start + size));
  return { value, nextLink: `https://${ctx.host}${ctx.path}?${q.toString()}` };
}

function lookup(objects: Record<string, VaultObject> | undefined, name: string): [string, VaultObject] | undefined {
  return Object.entries(objects ?? {}).find(([n]) => n.toLowerCase() === name.toLowerCase());
}

/** Handle one data-plane request for the vault named by the host. */
export function dataPlane(ctx: Ctx, vaultName: string): Reply {
  const vault = ctx.state.vaultByName(vaultName);
  // A real client never gets here: an unknown vault's name does not resolve (the in-process agent fails it with
  // ENOTFOUND, index.ts). Clients that map *.localhost to loopback themselves (az, curl against `sandbox serve`) do
  // reach the sandbox, and get this answer, which is the sandbox's own.
  if (!vault) throw kvError(404, 'VaultNotFound', `The vault '${vaultName}' does not exist (in Azure its name would not resolve).`);
  const canonical = `https://${vault.name.toLowerCase()}.vault.localhost`;
  if (!header(ctx, 'authorization')?.startsWith('Bearer ')) {
    // The client derives the token's audience from this challenge: it must be the called host's cloud.
    const cloud = cloudOfHost(ctx.host);
    throw kvError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.', undefined, {
      'WWW-Authenticate': `Bearer authorization="${cloud.authority}/${ctx.state.world.tenantId}", resource="${vaultResource(cloud)}"`,
    });
  }
  const parts = ctx.path.split('/').filter(Boolean);
  const kind = parts[0];
  const version = ctx.query.get('api-version') ?? '';
  const supported = kind === 'secrets' ? SECRET_VERSIONS : CERT_VERSIONS;
  if (!supported.includes(version)) {
    throw kvError(
      400,
      'BadParameter',
      `The specified version (${version}) is not recognized. Consider using the latest supported version (${supported[0]}).`,
    );
  }
  if (ctx.method !== 'GET')
    throw kvError(
      405,
      'MethodNotAllowed',
      `The sandbox serves read-only data-plane operations; ${ctx.method} ${ctx.path} is not supported.`,
    );
  const data = ctx.state.vaultData(vault.name) ?? {};
  if (kind === 'certificates') {
    if (parts.length === 1) {
      authorise(ctx, vault, 'Microsoft.KeyVault/vaults/certificates/read', 'certificates', 'list');
      const items = Object.entries(data.certificates ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, obj]) => {
          const v = currentVersion(obj);
          return {
            id: `${canonical}/certificates/${name}`,
            x5t: x5t(vault.name, name, v),
            attributes: attributes(v),
            tags: obj.tags ?? {},
          };
        });
      return ok(paged(ctx, items));
    }
    const found = lookup(data.certificates, parts[1]);
    authorise(ctx, vault, 'Microsoft.KeyVault/vaults/certificates/read', 'certificates', parts[2] === 'versions' ? 'list' : 'get');
    if (!found) {
      throw kvError(
        404,
        'CertificateNotFound',
        `A certificate with (name/id) ${parts[1]} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    }
    const [name, obj] = found;
    if (parts[2] === 'versions') {
      const items = obj.versions.map((v) => ({
        id: `${canonical}/certificates/${name}/${v.version}`,
        x5t: x5t(vault.name, name, v),
        attributes: attributes(v),
        tags: obj.tags ?? {},
      }));
      return ok(paged(ctx, items));
    }
    const v = parts[2] ? obj.versions.find((x) => x.version.toLowerCase() === parts[2].toLowerCase()) : currentVersion(obj);
    if (!v) throw kvError(404, 'CertificateNotFound', `A certificate with (name/id) ${name}/${parts[2]} was not found in this key vault.`);
    const contentType = v.contentType ?? obj.contentType ?? 'application/x-pkcs12';
    return ok({
      id: `${canonical}/certificates/${name}/${v.version}`,
      kid: `${canonical}/keys/${name}/${v.version}`,
      sid: `${canonical}/secrets/${name}/${v.version}`,
      x5t: x5t(vault.name, name, v),
      attributes: attributes(v),
      tags: obj.tags ?? {},
      policy: {
        id: `${canonical}/certificates/${name}/policy`,
        key_props: { exportable: v.exportable !== false, kty: 'RSA', key_size: 2048, reuse_key: false },
        secret_props: { contentType },
        x509_props: {
          subject: v.subject ?? `CN=${name}`,
          ekus: ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'],
          key_usage: ['digitalSignature', 'keyEncipherment'],
          validity_months: 12,
          basic_constraints: { ca: false },
        },
        lifetime_actions: [{ trigger: { lifetime_percentage: 80 }, action: { action_type: 'AutoRenew' } }],
        issuer: { name: 'Self' },
        attributes: { enabled: true, created: unix(v.created) ?? 0, updated: unix(v.created) ?? 0 },
      },
    });
  }
  if (kind === 'secrets') {
    // Certificates imply their secret, as in Key Vault (managed secrets).
    const secrets: Record<string, VaultObject & { managed?: boolean }> = {};
    for (const [n, o] of Object.entries(data.certificates ?? {})) secrets[n] = { ...o, managed: true };
    for (const [n, o] of Object.entries(data.secrets ?? {})) secrets[n] = o;
    const item = (name: string, obj: VaultObject & { managed?: boolean }, v: VaultObjectVersion, withVersion: boolean) => ({
      id: `${canonical}/secrets/${name}${withVersion ? `/${v.version}` : ''}`,
      attributes: attributes(v),
      tags: obj.tags ?? {},
      contentType: v.contentType ?? obj.contentType ?? (obj.managed ? 'application/x-pkcs12' : undefined),
      // A listed SecretItem has no kid (secrets 2026-04-01); only the SecretBundle of a GET names the key.
      ...(obj.managed ? { managed: true } : {}),
    });
    if (parts.length === 1) {
      authorise(ctx, vault, 'Microsoft.KeyVault/vaults/secrets/readMetadata/action', 'secrets', 'list');
      const items = Object.entries(secrets)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([n, o]) => item(n, o, currentVersion(o), false));
      return ok(paged(ctx, items));
    }
    const found = lookup(secrets, parts[1]);
    const listing = parts[2] === 'versions';
    authorise(
      ctx,
      vault,
      listing ? 'Microsoft.KeyVault/vaults/secrets/readMetadata/action' : 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
      'secrets',
      listing ? 'list' : 'get',
    );
    if (!found)
      throw kvError(
        404,
        'SecretNotFound',
        `A secret with (name/id) ${parts[1]} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
      );
    const [name, obj] = found;
    if (listing)
      return ok(
        paged(
          ctx,
          obj.versions.map((v) => item(name, obj, v, true)),
        ),
      );
    const v = parts[2] ? obj.versions.find((x) => x.version.toLowerCase() === parts[2].toLowerCase()) : currentVersion(obj);
    if (!v) throw kvError(404, 'SecretNotFound', `A secret with (name/id) ${name}/${parts[2]} was not found in this key vault.`);
    if (v.enabled === false) throw kvError(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled');
    // Metadata only: the sandbox holds no secret values.
    return ok({ ...item(name, obj, v, true), ...(secrets[name]?.managed ? { kid: `${canonical}/keys/${name}/${v.version}` } : {}) });
  }
  throw kvError(404, 'NotFound', `The sandbox does not serve ${ctx.method} ${ctx.path} on the Key Vault data plane.`);
}
