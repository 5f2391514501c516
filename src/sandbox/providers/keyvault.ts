// Microsoft.KeyVault management plane: vaults (GET with a connectable vaultUri, PATCH merge with arrays
// replaced, PUT incl. createMode recover), soft-deleted vaults, and accessPolicies add/replace/remove.
import { vaultRbacDefault } from '../api-versions.ts';
import { ArmError, ok, type Ctx, type Reply } from '../http.ts';
import { ipv4Contains } from '../ipv4.ts';
import { mergePatch } from '../merge-patch.ts';
import { requireAction } from '../rbac.ts';
import { nameOf, subscriptionOf } from '../resource-id.ts';
import type { PresenterEntries } from '../presenters.ts';
import type { ArmResource, DeletedVault, Json } from '../types.ts';
import { genericPut, mustGet, page, present } from './arm.ts';

/** The port-less canonical vault URI the world stores. */
export function canonicalVaultUri(name: string): string {
  return `https://${name.toLowerCase()}.vault.localhost/`;
}

/** Strip a port from a vault URI (a client may echo back what GET served). */
function withoutPort(uri: string): string {
  return uri.replace(/^(https:\/\/[^/:]+):\d+/i, '$1');
}

/** GET shows the vault URI with the emulator's port so clients can connect to it. */
export function presentVault(ctx: Ctx, vault: ArmResource): ArmResource {
  const uri = vault.properties?.vaultUri;
  if (typeof uri === 'string') vault.properties.vaultUri = uri.replace(/^(https:\/\/[^/:]+)(:\d+)?\//i, `$1:${ctx.port}/`);
  return vault;
}

export const keyVaultPresenters: PresenterEntries = { 'microsoft.keyvault/vaults': presentVault };

function normaliseVault(vault: ArmResource): ArmResource {
  const p = (vault.properties ??= {});
  p.vaultUri = p.vaultUri ? withoutPort(p.vaultUri) : canonicalVaultUri(vault.name);
  return vault;
}

/**
 * GET of a vault. Key Vault's API has no ETag and no If-Match for vaults (the 2026-02-01 spec defines neither):
 * a read-modify-write cannot be made conditional, so none is offered here.
 */
export function getVault(ctx: Ctx, id: string): Reply {
  requireAction(ctx, 'Microsoft.KeyVault/vaults/read', id);
  return ok(present(ctx, mustGet(ctx, id)));
}

const PRIVATE_RANGES: [string, string][] = [
  ['10.0.0.0/8', '10.0.0.0–10.255.255.255'],
  ['172.16.0.0/12', '172.16.0.0–172.31.255.255'],
  ['192.168.0.0/16', '192.168.0.0–192.168.255.255'],
];

/** Strict IPv4 address or CIDR: four decimal octets, an optional /0-32 (no empty prefix, no IPv6). */
const IPV4_RULE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(\/(3[0-2]|[12]?\d))?$/;

/**
 * Key Vault's firewall takes IPv4 addresses and ranges only, and no private ranges
 * (https://learn.microsoft.com/azure/key-vault/general/network-security: "IPv4 address ranges"); anything else
 * is 400 BadRequest "Invalid value found at properties.networkAcls.ipRules[i].value: …".
 */
function validateIpRules(body: Json | undefined): void {
  const rules = body?.properties?.networkAcls?.ipRules;
  if (rules === undefined || rules === null) return;
  if (!Array.isArray(rules))
    throw new ArmError(400, 'BadRequest', 'Invalid value found at properties.networkAcls.ipRules: must be an array.');
  rules.forEach((rule: Json, i: number) => {
    const at = `properties.networkAcls.ipRules[${i}].value`;
    const value = rule?.value;
    if (typeof value !== 'string' || !IPV4_RULE.test(value)) {
      throw new ArmError(400, 'BadRequest', `Invalid value found at ${at}: '${String(value)}' is not a valid IPv4 address or CIDR range.`);
    }
    const forbidden = PRIVATE_RANGES.find(([range]) => ipv4Contains(range, value));
    if (forbidden)
      throw new ArmError(
        400,
        'BadRequest',
        `Invalid value found at ${at}: ${value} belongs to forbidden range ${forbidden[1]} (private IP addresses)`,
      );
  });
}

export function patchVault(ctx: Ctx, id: string): Reply {
  requireAction(ctx, 'Microsoft.KeyVault/vaults/write', id);
  const existing = mustGet(ctx, id);
  validateIpRules(ctx.body);
  const { id: _i, name: _n, type: _t, ...patch } = ctx.body ?? {};
  // JSON merge patch replaces arrays (ipRules, virtualNetworkRules, accessPolicies), as Key Vault does.
  const patched = normaliseVault(mergePatch(existing, patch));
  // Key Vault replaces the whole tag set on PATCH.
  if (patch.tags) patched.tags = structuredClone(patch.tags);
  const stored = ctx.state.put({ ...patched, id: existing.id, name: existing.name, type: existing.type });
  return ok(present(ctx, stored));
}

export function putVault(ctx: Ctx, id: string): Reply {
  const name = nameOf(id);
  const props: Json = ctx.body?.properties ?? {};
  const deleted = ctx.state.deletedVaults().findIndex((d) => d.name.toLowerCase() === name.toLowerCase());
  if (props.createMode === 'recover') {
    requireAction(ctx, 'Microsoft.KeyVault/vaults/write', id);
    if (deleted < 0) throw new ArmError(404, 'DeletedVaultNotFound', `The specified deleted vault '${name}' does not exist.`);
    const [gone] = ctx.state.deletedVaults().splice(deleted, 1);
    const restored = ctx.state.put({ ...gone.vault, id: gone.vault.id });
    return { status: 200, body: present(ctx, restored) };
  }
  validateIpRules(ctx.body);
  if (deleted >= 0 && !ctx.state.get(id)) {
    throw new ArmError(
      409,
      'ConflictError',
      `Exist soft deleted vault with the same name. Use createMode 'recover' to restore it, or purge it first.`,
    );
  }
  const { reply } = genericPut(ctx, id, (r, existing) => {
    const p = r.properties;
    p.tenantId ??= ctx.state.world.tenantId;
    // API 2026-02-01: new vaults use Azure RBAC unless the request says otherwise; earlier versions default to access policies.
    p.enableRbacAuthorization ??= existing?.properties?.enableRbacAuthorization ?? vaultRbacDefault(ctx.query.get('api-version') ?? '');
    p.accessPolicies ??= [];
    p.enableSoftDelete ??= true;
    p.softDeleteRetentionInDays ??= 90;
    p.publicNetworkAccess ??= 'Enabled';
    delete p.createMode;
    return normaliseVault({ ...r, location: r.location ?? existing?.location });
  });
  return reply;
}

export function deleteVault(ctx: Ctx, id: string): Reply {
  requireAction(ctx, 'Microsoft.KeyVault/vaults/delete', id);
  const vault = ctx.state.get(id);
  if (!vault) return { status: 204 };
  ctx.state.delete(id);
  if (vault.properties?.enableSoftDelete !== false) {
    const sub = subscriptionOf(id);
    const location = vault.location ?? 'westeurope';
    const days = vault.properties?.softDeleteRetentionInDays ?? 90;
    ctx.state.deletedVaults().push({
      id: `/subscriptions/${sub}/providers/Microsoft.KeyVault/locations/${location}/deletedVaults/${vault.name}`,
      name: vault.name,
      type: 'Microsoft.KeyVault/deletedVaults',
      properties: {
        vaultId: vault.id,
        location,
        deletionDate: ctx.state.stamp(),
        scheduledPurgeDate: new Date(ctx.state.clock() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        tags: vault.tags ?? {},
        purgeProtectionEnabled: vault.properties?.enablePurgeProtection === true,
      },
      vault,
    });
  }
  return { status: 200 };
}

function presentDeleted(d: DeletedVault): Json {
  const { vault: _vault, ...rest } = structuredClone(d);
  return rest;
}

export function getDeletedVault(ctx: Ctx, sub: string, location: string, name: string): Reply {
  // Deleted vaults live at the subscription: ARM authorises there, so a resource-group-only role is refused.
  requireAction(ctx, 'Microsoft.KeyVault/locations/deletedVaults/read', `/subscriptions/${sub}`);
  const found = ctx.state
    .deletedVaults()
    .find(
      (d) =>
        d.name.toLowerCase() === name.toLowerCase() && d.properties.location.replace(/\s+/g, '').toLowerCase() === location.toLowerCase(),
    );
  if (!found) throw new ArmError(404, 'DeletedVaultNotFound', `The specified deleted vault '${name}' does not exist.`);
  return ok(presentDeleted(found));
}

export function listDeletedVaults(ctx: Ctx, sub: string): Reply {
  requireAction(ctx, 'Microsoft.KeyVault/deletedVaults/read', `/subscriptions/${sub}`);
  const visible = ctx.state.deletedVaults().filter((d) => subscriptionOf(d.id)?.toLowerCase() === sub.toLowerCase());
  return ok(page(ctx, visible.map(presentDeleted)));
}

const PERMISSION_KINDS = ['keys', 'secrets', 'certificates', 'storage'] as const;

const sameEntry = (a: Json, b: Json) =>
  String(a.objectId).toLowerCase() === String(b.objectId).toLowerCase() &&
  String(a.tenantId ?? '').toLowerCase() === String(b.tenantId ?? '').toLowerCase() &&
  String(a.applicationId ?? '').toLowerCase() === String(b.applicationId ?? '').toLowerCase();

/** `PUT …/vaults/{v}/accessPolicies/{add|replace|remove}`: merge, overwrite or subtract entries by principal. */
export function updateAccessPolicies(ctx: Ctx, vaultId: string, kind: string): Reply {
  requireAction(ctx, 'Microsoft.KeyVault/vaults/accessPolicies/write', vaultId);
  const vault = mustGet(ctx, vaultId);
  if (!['add', 'replace', 'remove'].includes(kind)) {
    throw new ArmError(400, 'BadRequest', `The operation kind '${kind}' is not valid. Use add, replace or remove.`);
  }
  const submitted: Json[] = ctx.body?.properties?.accessPolicies;
  if (!Array.isArray(submitted)) throw new ArmError(400, 'BadRequest', 'properties.accessPolicies is required.');
  const policies: Json[] = structuredClone(vault.properties.accessPolicies ?? []);
  for (const entry of submitted) {
    const i = policies.findIndex((p) => sameEntry(p, entry));
    if (kind === 'replace' || (kind === 'add' && i < 0)) {
      const next = structuredClone(entry);
      if (i >= 0) policies[i] = next;
      else policies.push(next);
      continue;
    }
    if (i < 0) continue;
    const current = policies[i];
    for (const k of PERMISSION_KINDS) {
      const have: string[] = current.permissions?.[k] ?? [];
      const given: string[] = entry.permissions?.[k] ?? [];
      const lower = new Set(given.map((g) => g.toLowerCase()));
      current.permissions ??= {};
      current.permissions[k] =
        kind === 'add'
          ? [...have, ...given.filter((g) => !have.some((h) => h.toLowerCase() === g.toLowerCase()))]
          : have.filter((h) => !lower.has(h.toLowerCase()));
    }
    if (kind === 'remove' && PERMISSION_KINDS.every((k) => (current.permissions[k] ?? []).length === 0)) policies.splice(i, 1);
  }
  vault.properties.accessPolicies = policies;
  ctx.state.put(vault);
  return ok({
    id: `${vault.id}/accessPolicies/${kind}`,
    name: kind,
    type: 'Microsoft.KeyVault/vaults/accessPolicies',
    location: vault.location,
    properties: { accessPolicies: submitted },
  });
}
