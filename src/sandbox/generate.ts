// A generated fleet world: many subscriptions, API Management instances and key vaults with the mix of
// postures an estate really has (firewalled vaults, user-assigned identities, versioned identifiers,
// expiring certificates, custom hostnames, named values). Every reference's lastStatus is what the
// sandbox's own evaluation of APIM's fetch says, so the fleet is consistent with the single-instance runbook.
import { fetchContext } from './http.ts';
import { derivedThumbprint, evaluateFetch } from './providers/apim-fetch.ts';
import { seededGuid, seededHex, seededRandom } from './random.ts';
import { SandboxState } from './state.ts';
import type { ArmResource, Json, VaultData, World } from './types.ts';

export interface FleetSpec {
  instances: number;
  vaults: number;
  subscriptions: number;
  seed?: number;
  /** The day the fleet is "generated" (expiry dates are relative to it); default today 00:00 UTC. */
  now?: number;
  /** Subscriptions per management group (default 5): groups are named mg-fleet-01, mg-fleet-02, … */
  subscriptionsPerManagementGroup?: number;
}

const READER = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
const SECRETS_USER = '4633458b-17de-408a-b874-0445c86b69e6';
const DOP = 'Microsoft.WindowsAzure.ApiManagement.Gateway.ManagedIdentity.DisableOverPrivilegedAccess';
const DAY = 86_400_000;
const LOCATIONS = ['westeurope', 'northeurope', 'eastus2', 'uksouth'];
const SKUS = ['Developer', 'Standard', 'Premium', 'Basic', 'StandardV2', 'Consumption'];

const pad = (n: number, width = 4) => String(n).padStart(width, '0');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function generateFleet(spec: FleetSpec): World {
  if (!(spec.instances >= 1 && spec.vaults >= 1 && spec.subscriptions >= 1))
    throw new Error('A fleet needs at least one instance, one vault and one subscription.');
  const rand = seededRandom(spec.seed ?? 1);
  const chance = (p: number) => rand() < p;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const guid = () => seededGuid(rand);
  const now = spec.now ?? Math.floor(Date.now() / DAY) * DAY;
  const tenantId = guid();
  const operator = { principalId: guid(), upn: 'sre@fleet.example', publicIp: '203.0.113.50' };
  const subscriptions = Array.from({ length: spec.subscriptions }, (_, i) => ({
    subscriptionId: guid(),
    displayName: `Fleet ${pad(i + 1, 2)}`,
  }));
  const perGroup = spec.subscriptionsPerManagementGroup ?? 5;
  const managementGroups: Record<string, string[]> = {};
  subscriptions.forEach((s, i) => (managementGroups[`mg-fleet-${pad(Math.floor(i / perGroup) + 1, 2)}`] ??= []).push(s.subscriptionId));
  const resources: ArmResource[] = [];
  const vaultData: Record<string, VaultData> = {};
  const roleAssignment = (scope: string, principalId: string, role: string, principalType: string) => {
    const name = guid();
    resources.push({
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: 'Microsoft.Authorization/roleAssignments',
      properties: {
        roleDefinitionId: `/subscriptions/${scope.split('/')[2]}/providers/Microsoft.Authorization/roleDefinitions/${role}`,
        principalId,
        principalType,
        scope,
        createdOn: iso(now - 400 * DAY),
      },
    });
  };
  for (const s of subscriptions) roleAssignment(`/subscriptions/${s.subscriptionId}`, operator.principalId, READER, 'User');

  // Vaults, each with a few certificates: most valid for months, some expiring soon, some expired.
  const vaults: { resource: ArmResource; certs: string[] }[] = [];
  for (let i = 0; i < spec.vaults; i++) {
    const sub = subscriptions[i % subscriptions.length]!.subscriptionId;
    const name = `kv-fleet-${pad(i + 1, 5)}`;
    const firewall = chance(0.35);
    const pna = firewall && chance(0.15) ? 'Disabled' : 'Enabled';
    const resource: ArmResource = {
      id: `/subscriptions/${sub}/resourceGroups/rg-vaults-${pad((i % 7) + 1, 2)}/providers/Microsoft.KeyVault/vaults/${name}`,
      name,
      type: 'Microsoft.KeyVault/vaults',
      location: pick(LOCATIONS),
      properties: {
        sku: { family: 'A', name: 'standard' },
        tenantId,
        accessPolicies: [],
        enableSoftDelete: !chance(0.03),
        softDeleteRetentionInDays: 90,
        enableRbacAuthorization: chance(0.75),
        ...(chance(0.6) ? { enablePurgeProtection: true } : {}),
        vaultUri: `https://${name}.vault.localhost/`,
        provisioningState: 'Succeeded',
        publicNetworkAccess: pna,
        networkAcls: {
          bypass: firewall && chance(0.1) ? 'None' : 'AzureServices',
          defaultAction: firewall ? 'Deny' : 'Allow',
          ipRules: [],
          virtualNetworkRules: [],
        },
      },
    };
    const certificates: NonNullable<VaultData['certificates']> = {};
    const count = 2 + Math.floor(rand() * 3);
    for (let c = 0; c < count; c++) {
      const certName = `cert-${pad(c + 1, 2)}`;
      const roll = rand();
      const expires =
        now +
        (roll < 0.06 ? -Math.floor(rand() * 60 + 1) : roll < 0.16 ? Math.floor(rand() * 29 + 1) : Math.floor(rand() * 300 + 60)) * DAY;
      certificates[certName] = {
        versions: [
          {
            version: seededHex(rand, 32),
            enabled: true,
            created: iso(expires - 365 * DAY),
            expires: iso(expires),
            contentType: 'application/x-pkcs12',
            exportable: true,
            subject: `CN=${certName}.${name}.example`,
          },
        ],
      };
    }
    vaultData[name] = {
      certificates,
      secrets: {
        'backend-key': {
          versions: [{ version: seededHex(rand, 32), enabled: true, created: iso(now - 100 * DAY), contentType: 'text/plain' }],
        },
      },
    };
    resources.push(resource);
    vaults.push({ resource, certs: Object.keys(certificates) });
  }

  // Instances and their Key Vault references (certificates, named values, custom hostnames).
  const refs: { apim: ArmResource; child?: ArmResource; hostname?: Json; identifier: string; clientId?: string }[] = [];
  for (let i = 0; i < spec.instances; i++) {
    const sub = subscriptions[i % subscriptions.length]!.subscriptionId;
    const name = `apim-fleet-${pad(i + 1, 5)}`;
    const id = `/subscriptions/${sub}/resourceGroups/rg-apim-${pad((i % 9) + 1, 2)}/providers/Microsoft.ApiManagement/service/${name}`;
    const roll = rand();
    const identityType =
      roll < 0.62 ? 'SystemAssigned' : roll < 0.8 ? 'SystemAssigned, UserAssigned' : roll < 0.94 ? 'UserAssigned' : 'None';
    const identity: Json = { type: identityType };
    if (identityType.includes('SystemAssigned')) Object.assign(identity, { principalId: guid(), tenantId });
    let uai: { clientId: string; principalId: string } | undefined;
    if (identityType.includes('UserAssigned')) {
      uai = { clientId: guid(), principalId: guid() };
      identity.userAssignedIdentities = {
        [`/subscriptions/${sub}/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-${name}`]: uai,
      };
    }
    const ip = `20.${50 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    const apim: ArmResource = {
      id,
      name,
      type: 'Microsoft.ApiManagement/service',
      location: pick(LOCATIONS),
      sku: { name: pick(SKUS), capacity: 1 },
      identity,
      properties: {
        publisherEmail: 'api-team@fleet.example',
        publisherName: 'Fleet',
        provisioningState: 'Succeeded',
        gatewayUrl: `https://${name}.azure-api.net`,
        hostnameConfigurations: [
          {
            type: 'Proxy',
            hostName: `${name}.azure-api.net`,
            negotiateClientCertificate: false,
            defaultSslBinding: true,
            certificateSource: 'BuiltIn',
          },
        ],
        publicIPAddresses: [ip],
        virtualNetworkType: 'None',
        customProperties: chance(0.3) ? { [DOP]: 'True' } : {},
        platformVersion: 'stv2',
        publicNetworkAccess: 'Enabled',
      },
    };
    resources.push(apim);
    const reference = (secret?: string): { vault: (typeof vaults)[number]; identifier: string; clientId?: string } => {
      const vault = pick(vaults);
      const cert = secret ?? pick(vault.certs);
      const version = !secret && chance(0.12) ? `/${vaultData[vault.resource.name]!.certificates![cert]!.versions[0]!.version}` : '';
      const clientId = uai && (identityType === 'UserAssigned' || chance(0.25)) ? uai.clientId : undefined;
      // Most identities were granted access when the reference was made.
      if (chance(0.9)) {
        const principal = clientId ? uai!.principalId : identity.principalId;
        if (principal) {
          if (vault.resource.properties!.enableRbacAuthorization)
            roleAssignment(vault.resource.id, principal, SECRETS_USER, 'ServicePrincipal');
          else
            vault.resource.properties!.accessPolicies.push({
              tenantId,
              objectId: principal,
              permissions: { secrets: ['get', 'list'], certificates: ['get', 'list'] },
            });
        }
      }
      return { vault, identifier: `https://${vault.resource.name}.vault.localhost/secrets/${cert}${version}`, clientId };
    };
    const certCount = Math.floor(rand() * 4);
    for (let c = 0; c < certCount; c++) {
      const ref = reference();
      const child: ArmResource = {
        id: `${id}/certificates/kv-cert-${c + 1}`,
        name: `kv-cert-${c + 1}`,
        type: 'Microsoft.ApiManagement/service/certificates',
        properties: { keyVault: { secretIdentifier: ref.identifier, ...(ref.clientId ? { identityClientId: ref.clientId } : {}) } },
      };
      resources.push(child);
      refs.push({ apim, child, identifier: ref.identifier, clientId: ref.clientId });
    }
    const nvCount = chance(0.5) ? 1 + Math.floor(rand() * 2) : 0;
    for (let n = 0; n < nvCount; n++) {
      const ref = reference('backend-key');
      const nvId = `nv-backend-key-${n + 1}`;
      const child: ArmResource = {
        id: `${id}/namedValues/${nvId}`,
        name: nvId,
        type: 'Microsoft.ApiManagement/service/namedValues',
        properties: {
          displayName: `backend-key-${n + 1}`,
          secret: true,
          tags: [],
          keyVault: { secretIdentifier: ref.identifier, ...(ref.clientId ? { identityClientId: ref.clientId } : {}) },
        },
      };
      resources.push(child);
      refs.push({ apim, child, identifier: ref.identifier, clientId: ref.clientId });
    }
    if (chance(0.2)) {
      const ref = reference();
      const hostname: Json = {
        type: 'Proxy',
        hostName: `api-${pad(i + 1, 5)}.fleet.example`,
        keyVaultId: ref.identifier,
        ...(ref.clientId ? { identityClientId: ref.clientId } : {}),
        negotiateClientCertificate: false,
        defaultSslBinding: false,
        certificateSource: 'KeyVault',
      };
      apim.properties!.hostnameConfigurations.push(hostname);
      refs.push({ apim, hostname, identifier: ref.identifier, clientId: ref.clientId });
    }
  }

  const world: World = {
    tenantId,
    subscriptions,
    operator,
    resources,
    vaultData,
    managementGroups,
    rbacPropagationMs: 0,
    faults: [],
    latency: { baseMs: 0, jitterMs: 0 },
    seed: spec.seed ?? 1,
  };
  settleStatuses(world, refs, now);
  return world;
}

/** Ask the sandbox's model of APIM's fetch what each reference's last refresh found. */
function settleStatuses(
  world: World,
  refs: { apim: ArmResource; child?: ArmResource; hostname?: Json; identifier: string; clientId?: string }[],
  now: number,
): void {
  const state = new SandboxState(world, () => now);
  const ctx = fetchContext(state, world.operator.principalId);
  const stamp = iso(now - 3 * 3_600_000);
  for (const ref of refs) {
    const result = evaluateFetch(
      ctx,
      ref.apim,
      ref.identifier,
      ref.clientId,
      ref.child?.type.endsWith('/namedValues') ? 'secret' : 'certificate',
    );
    if (ref.hostname) {
      ref.hostname.certificateStatus = result.ok ? 'Completed' : 'Failed';
      if (result.ok) ref.hostname.certificate = { expiry: result.expirationDate, thumbprint: result.thumbprint, subject: result.subject };
      continue;
    }
    const props = ref.child!.properties!;
    props.keyVault.lastStatus = result.ok
      ? { code: 'Success', message: '', timeStampUtc: stamp }
      : { code: result.code, message: result.message, timeStampUtc: stamp };
    if (ref.child!.type.endsWith('/certificates')) {
      if (result.ok)
        Object.assign(props, { subject: result.subject, thumbprint: result.thumbprint, expirationDate: result.expirationDate });
      else {
        // A reference that never fetched has nothing cached; show what the service would have kept.
        const [, vault, , name] = /^https:\/\/([^.]+)[^/]*\/(secrets)\/([^/]+)/.exec(ref.identifier) ?? [];
        Object.assign(props, { subject: `CN=${name}`, thumbprint: derivedThumbprint(vault ?? '', name ?? '', 'cached') });
      }
    }
  }
}
