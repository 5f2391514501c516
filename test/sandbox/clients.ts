// The real Azure SDK clients pointed at a sandbox, built as testing-notes §1.1 shows, with fast retries.
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { TokenCredential } from '@azure/core-auth';
import { CertificateClient } from '@azure/keyvault-certificates';
import { SecretClient } from '@azure/keyvault-secrets';
import { startSandbox, type Sandbox, type SandboxOptions, type World } from '../../src/sandbox/index.ts';

export const SUB = '3f2b7c1d-9a4e-4b8f-a6d2-1c5e7f9a0b34';
export const TENANT = '8f3c2a1e-5b7d-4c9a-9e21-3d4f6a7b8c90';
export const OPERATOR = '5a1f0c2e-7d3b-4e8a-9c6f-2b4d8e1a3c57';
export const APIM_PRINCIPAL = '9b2e4c6a-1d3f-4a5b-8c7d-0e1f2a3b4c5d';
export const RG_ID = `/subscriptions/${SUB}/resourceGroups/rg-apim-demo`;
export const APIM_ID = `${RG_ID}/providers/Microsoft.ApiManagement/service/apim-contoso-dev`;
export const KV_ID = `${RG_ID}/providers/Microsoft.KeyVault/vaults/kv-contoso-certs`;
export const SUBNET_ID = `${RG_ID}/providers/Microsoft.Network/virtualNetworks/vnet-apim/subnets/snet-apim`;
export const NSG_ID = `${RG_ID}/providers/Microsoft.Network/networkSecurityGroups/nsg-apim`;
export const SECRET_ID = 'https://kv-contoso-certs.vault.localhost/secrets/contoso-api-client';

/** A credential that hands out the sandbox's token for a principal (the operator by default). */
export function credentialFor(sandbox: Sandbox, principalId?: string): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    getToken: async (scope) => {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token: sandbox.token(principalId), expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

export const RETRY = { retryDelayInMs: 10, maxRetryDelayInMs: 50 };
export const LRO = { updateIntervalInMs: 10 };

/** Every client the product uses, against the sandbox. */
export function clientsFor(sandbox: Sandbox, principalId?: string) {
  const cred = credentialFor(sandbox, principalId);
  const endpoint = sandbox.endpoint;
  const transport = { agent: sandbox.agent, retryOptions: RETRY };
  const classic = { ...transport, endpoint, $host: endpoint, credentialScopes: [`${endpoint}/.default`] };
  const modular = { ...transport, endpoint, credentials: { scopes: [`${endpoint}/.default`] } };
  return {
    cred,
    apim: new ApiManagementClient(cred, SUB, classic),
    auth: new AuthorizationManagementClient(cred, SUB, classic),
    kv: new KeyVaultManagementClient(cred, SUB, modular),
    network: new NetworkManagementClient(cred, SUB, modular),
    graph: new ResourceGraphClient(cred, modular),
    certificates: (vaultUri: string) => new CertificateClient(vaultUri, cred, transport),
    secrets: (vaultUri: string) => new SecretClient(vaultUri, cred, transport),
  };
}

/** Start a sandbox (everything-broken by default) and its clients; `close` stops it. */
export async function setup(options: SandboxOptions = {}, principalId?: string) {
  const sandbox = await startSandbox(options);
  return { sandbox, ...clientsFor(sandbox, principalId), close: () => sandbox.close() };
}

/** The shipped world with a change applied (for one-off situations). */
export function worldWith(base: World, change: (w: World) => void): World {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

export async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return e as { statusCode?: number; code?: string; message: string };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
