// Key Vault executors: recovery, access policies, the firewall.
import type { NetworkRuleSet, Vault } from '@azure/arm-keyvault';
import { sameIpRule } from '../../checks/ipv4.ts';
import type { OperationOf } from '../../checks/operations/index.ts';
import type { OperationResult } from '../../checks/ports.ts';
import { parseSubnetId, parseVaultId } from '../arm-id.ts';
import { vaultFromSdk } from '../convert.ts';
import { toAzureError } from '../errors.ts';
import { operatorClaims } from '../gather.ts';
import { done, readModifyWrite, seen, type ApplyContext, type ExecutorFamily, type Snapshot } from './read-modify-write.ts';

/** The vault's own subscription's client: a companion change may write a vault outside the target's subscription. */
const vaultClient = (ctx: ApplyContext, vaultId: string) => ctx.clients.keyVaultFor(parseVaultId(vaultId).subscriptionId);

/** A vault read: no ETag (Key Vault's vault API has none), so writes re-read instead of sending If-Match. */
async function readVault(ctx: ApplyContext, vaultId: string): Promise<Snapshot<Vault>> {
  const { resourceGroup, name } = parseVaultId(vaultId);
  return { state: await vaultClient(ctx, vaultId).vaults.get(resourceGroup, name, { abortSignal: ctx.signal }) };
}

const observeVault = (v: Vault) => ({ vault: seen(vaultFromSdk(v)) });

function acls(v: Vault): Required<Pick<NetworkRuleSet, 'ipRules' | 'virtualNetworkRules'>> & NetworkRuleSet {
  const a = v.properties?.networkAcls ?? {};
  return { ...a, ipRules: [...(a.ipRules ?? [])], virtualNetworkRules: [...(a.virtualNetworkRules ?? [])] };
}

function vaultEntries(v: Vault): string[] {
  const a = acls(v);
  return [
    ...a.ipRules.map((r) => `ipRule ${r.value.replace(/\/32$/, '')}`),
    ...a.virtualNetworkRules.map((r) => `virtualNetworkRule ${r.id.toLowerCase()}`),
    ...(v.properties?.accessPolicies ?? []).flatMap((p) => [
      ...(p.permissions?.secrets ?? []).map((x) => `accessPolicy ${p.objectId} secrets/${String(x).toLowerCase()}`),
      ...(p.permissions?.certificates ?? []).map((x) => `accessPolicy ${p.objectId} certificates/${String(x).toLowerCase()}`),
      ...(p.permissions?.keys ?? []).map((x) => `accessPolicy ${p.objectId} keys/${String(x).toLowerCase()}`),
    ]),
  ];
}

function networkView(v: Vault) {
  const a = acls(v);
  return {
    publicNetworkAccess: v.properties?.publicNetworkAccess,
    networkAcls: {
      bypass: a.bypass ?? 'AzureServices',
      defaultAction: a.defaultAction ?? 'Allow',
      ipRules: a.ipRules.map((r) => r.value),
      virtualNetworkRules: a.virtualNetworkRules.map((r) => r.id),
    },
  };
}

/**
 * PATCH networkAcls with the FULL lists (a PATCH replaces the arrays, domain.md §3.4). Unconditional: Key Vault's
 * vault API has no ETag or If-Match (https://learn.microsoft.com/rest/api/keyvault/keyvault/vaults/update), so
 * readModifyWrite narrows the window and checks every entry it saw afterwards instead.
 */
async function patchAcls(ctx: ApplyContext, vaultId: string, next: NetworkRuleSet): Promise<void> {
  const { resourceGroup, name } = parseVaultId(vaultId);
  await vaultClient(ctx, vaultId).vaults.update(resourceGroup, name, { properties: { networkAcls: next } }, { abortSignal: ctx.signal });
}

function fullAcls(v: Vault): NetworkRuleSet {
  const a = acls(v);
  return {
    bypass: a.bypass ?? 'AzureServices',
    defaultAction: a.defaultAction ?? 'Allow',
    ipRules: a.ipRules,
    virtualNetworkRules: a.virtualNetworkRules,
  };
}

/** One change to the firewall, read-modify-written with every other entry kept. */
function aclsChange(
  ctx: ApplyContext,
  op: OperationOf<'vault.setBypass' | 'vault.addIpRule' | 'vault.removeIpRule' | 'vault.addVirtualNetworkRule'>,
  what: string,
  change: (a: NetworkRuleSet) => NetworkRuleSet,
  entries = vaultEntries,
): Promise<OperationResult> {
  return readModifyWrite(ctx, op, {
    what,
    read: () => readVault(ctx, op.vaultId),
    rereadBeforeWrite: true,
    observe: observeVault,
    write: (v) => patchAcls(ctx, op.vaultId, change(fullAcls(v))),
    entries,
    view: networkView,
  });
}

const vaultName = (op: { vaultId: string }) => parseVaultId(op.vaultId).name;

function addAccessPolicy(ctx: ApplyContext, op: OperationOf<'vault.addAccessPolicy'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseVaultId(op.vaultId);
  return readModifyWrite(ctx, op, {
    what: `Access policy for ${op.objectId} on ${name}`,
    read: () => readVault(ctx, op.vaultId),
    rereadBeforeWrite: true,
    observe: observeVault,
    async write() {
      // 'add' merges into the principal's entry and leaves every other policy alone.
      await vaultClient(ctx, op.vaultId).vaults.updateAccessPolicy(
        resourceGroup,
        name,
        'add',
        {
          properties: {
            accessPolicies: [
              {
                tenantId: op.tenantId,
                objectId: op.objectId,
                permissions: { secrets: op.permissions.secrets ?? [], certificates: op.permissions.certificates ?? [] },
              },
            ],
          },
        },
        { abortSignal: ctx.signal },
      );
    },
    entries: vaultEntries,
    view: (v) => ({
      enableRbacAuthorization: v.properties?.enableRbacAuthorization === true,
      accessPolicies: (v.properties?.accessPolicies ?? []).map((p) => ({ objectId: p.objectId, permissions: p.permissions })),
    }),
  });
}

async function recoverVault(ctx: ApplyContext, op: OperationOf<'vault.recover'>): Promise<OperationResult> {
  const { resourceGroup, name } = parseVaultId(op.vaultId);
  const exists = async () => {
    try {
      return (await readVault(ctx, op.vaultId)).state;
    } catch (e) {
      if (toAzureError(e).kind === 'NotFound') return undefined;
      throw e;
    }
  };
  const recovered = (v: Vault | undefined) => !!v && done(op, observeVault(v));
  const before = await exists();
  if (recovered(before))
    return {
      outcome: 'already',
      message: `Key vault ${name} exists; nothing to recover.`,
      before: { exists: true },
      after: { exists: true },
      verified: true,
      lost: [],
    };
  const claims = await operatorClaims(ctx.clients, ctx.signal);
  await ctx.beforeWrite?.(op);
  try {
    await ctx.clients.keyVault.vaults.beginCreateOrUpdateAndWait(
      resourceGroup,
      name,
      // tenantId and sku are required by the schema; with createMode 'recover' the vault comes back as it was.
      { location: op.location, properties: { tenantId: claims.tid ?? '', sku: { family: 'A', name: 'standard' }, createMode: 'recover' } },
      { abortSignal: ctx.signal, updateIntervalInMs: ctx.clients.lroIntervalMs },
    );
  } catch (e) {
    // A recovery whose answer was lost is retried by the client and refused (the deleted vault is gone, because
    // it was recovered): the vault being back is the answer.
    if (!recovered(await exists().catch(() => undefined))) throw e;
  }
  const after = await exists();
  return {
    outcome: 'applied',
    message: recovered(after) ? `Key vault ${name} recovered.` : `Recovery of ${name} was accepted, but the vault is not visible yet.`,
    before: { exists: false },
    after: { exists: !!after, vaultUri: after?.properties?.vaultUri },
    verified: recovered(after),
    lost: [],
  };
}

export const vaultExecutors: ExecutorFamily<'vault.'> = {
  'vault.recover': recoverVault,
  'vault.addAccessPolicy': addAccessPolicy,
  'vault.setBypass': (ctx, op) => aclsChange(ctx, op, `Trusted-services bypass on ${vaultName(op)}`, (a) => ({ ...a, bypass: op.bypass })),
  'vault.addIpRule': (ctx, op) =>
    aclsChange(ctx, op, `IP rule ${op.value} on ${vaultName(op)}`, (a) => ({ ...a, ipRules: [...(a.ipRules ?? []), { value: op.value }] })),
  'vault.removeIpRule': (ctx, op) => {
    const target = `ipRule ${op.value.replace(/\/32$/, '')}`;
    // The removed rule is meant to go; every other entry must stay.
    return aclsChange(
      ctx,
      op,
      `Removal of IP rule ${op.value} from ${vaultName(op)}`,
      (a) => ({ ...a, ipRules: (a.ipRules ?? []).filter((r) => !sameIpRule(r.value, op.value)) }),
      (v) => vaultEntries(v).filter((e) => e !== target),
    );
  },
  'vault.addVirtualNetworkRule': (ctx, op) =>
    aclsChange(ctx, op, `Virtual network rule for ${parseSubnetId(op.subnetId).name} on ${vaultName(op)}`, (a) => ({
      ...a,
      virtualNetworkRules: [...(a.virtualNetworkRules ?? []), { id: op.subnetId }],
    })),
};
