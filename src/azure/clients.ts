// The SDK clients, built from a cloud profile. Endpoint AND token scope are set explicitly on every
// client (classic: endpoint/$host/credentialScopes; modular: endpoint/credentials.scopes) because the
// modular network and resource-graph clients otherwise ask for the public-cloud scope (domain.md §4.2).
// The sandbox differs only in profile, agent and credential: there is no separate mock path.
import type { TokenCredential } from '@azure/core-auth';
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { AuthorizationManagementClient } from '@azure/arm-authorization';
import { KeyVaultManagementClient } from '@azure/arm-keyvault';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { DeploymentsClient } from '@azure/arm-resourcesdeployments';
import { DeploymentStacksClient } from '@azure/arm-resourcesdeploymentstacks';
import type { Agent, HttpClient, PipelinePolicy } from '@azure/core-rest-pipeline';
import { CertificateClient } from '@azure/keyvault-certificates';
import { SecretClient } from '@azure/keyvault-secrets';
import type { CloudProfile } from './cloud.ts';
import { requireVaultUri } from './data-plane-host.ts';
import './redacting-log.ts';
import { unloggable } from './unloggable-agent.ts';
import { eventsPolicy, type EventSink } from './events-policy.ts';

/** Retry knobs passed to every client (tests shorten them; production keeps the SDK defaults). */
export interface RetryOptions {
  maxRetries?: number;
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
}

/** Inputs of createClients. */
export interface ClientsOptions {
  profile: CloudProfile;
  credential: TokenCredential;
  subscriptionId: string;
  /** The key vault's subscription when it is not the instance's. */
  vaultSubscriptionId?: string;
  /** An https.Agent (the sandbox's: trusts its CA, resolves *.localhost). An ordinary pipeline option. */
  agent?: Agent;
  retry?: RetryOptions;
  /** Poll interval for long-running operations; undefined = the SDK default (Retry-After or 2 s). */
  lroIntervalMs?: number;
  /** Per-attempt timeout (default 60 s). */
  requestTimeoutMs?: number;
  onEvent?: EventSink;
  /** Replaces the transport (unit tests capture requests with it). */
  httpClient?: HttpClient;
}

/** The SDK clients of one run, plus factories for the data plane of a vault. */
export interface AzureClients {
  profile: CloudProfile;
  subscriptionId: string;
  /** Kept so the gateway can read the operator's claims (oid, upn) from the ARM token. */
  credential: TokenCredential;
  apim: ApiManagementClient;
  /** API Management in another subscription (the fleet audit spans many); cached per subscription. */
  apimFor(subscriptionId: string): ApiManagementClient;
  keyVault: KeyVaultManagementClient;
  /** Key Vault management in another subscription (a reference may name a vault anywhere); cached per subscription. */
  keyVaultFor(subscriptionId: string): KeyVaultManagementClient;
  network: NetworkManagementClient;
  /** Network in another subscription (a vault's private endpoint may live anywhere); cached per subscription. */
  networkFor(subscriptionId: string): NetworkManagementClient;
  authorization: AuthorizationManagementClient;
  resourceGraph: ResourceGraphClient;
  /** Deployments and deployment stacks of a subscription (ownership evidence); cached per subscription. */
  deploymentsFor(subscriptionId: string): DeploymentsClient;
  stacksFor(subscriptionId: string): DeploymentStacksClient;
  certificateClient(vaultUri: string): CertificateClient;
  secretClient(vaultUri: string): SecretClient;
  lroIntervalMs?: number;
}

export function createClients(options: ClientsOptions): AzureClients {
  const { profile, credential, subscriptionId } = options;
  const endpoint = profile.armEndpoint;
  const scopes = [profile.armScope];
  // One policy instance per client: it keeps per-request attempt counters and LRO monitor URLs.
  const common = (): {
    agent?: Agent;
    httpClient?: HttpClient;
    retryOptions?: RetryOptions;
    additionalPolicies: { policy: PipelinePolicy; position: 'perRetry' }[];
  } => ({
    ...(options.agent ? { agent: unloggable(options.agent) } : {}),
    ...(options.httpClient ? { httpClient: options.httpClient } : {}),
    ...(options.retry ? { retryOptions: options.retry } : {}),
    additionalPolicies: [{ policy: eventsPolicy({ onEvent: options.onEvent, timeoutMs: options.requestTimeoutMs }), position: 'perRetry' }],
  });

  const classic = () => ({ ...common(), endpoint, $host: endpoint, credentialScopes: scopes });
  const modular = () => ({ ...common(), endpoint, credentials: { scopes } });

  const dataPlaneCache = new Map<string, CertificateClient | SecretClient>();
  const dataPlane = <T extends CertificateClient | SecretClient>(kind: 'cert' | 'secret', vaultUri: string, make: () => T): T => {
    const key = `${kind} ${vaultUri.toLowerCase()}`;
    let client = dataPlaneCache.get(key) as T | undefined;
    if (!client) {
      requireVaultUri(profile, vaultUri);
      client = make();
      dataPlaneCache.set(key, client);
    }
    return client;
  };

  const apim = new ApiManagementClient(credential, subscriptionId, classic());
  const apimBySubscription = new Map<string, ApiManagementClient>([[subscriptionId.toLowerCase(), apim]]);
  const apimFor = (sub: string): ApiManagementClient => {
    let client = apimBySubscription.get(sub.toLowerCase());
    if (!client) apimBySubscription.set(sub.toLowerCase(), (client = new ApiManagementClient(credential, sub, classic())));
    return client;
  };

  const perSubscription = <T>(make: (sub: string) => T) => {
    const cache = new Map<string, T>();
    return (sub: string): T => {
      let client = cache.get(sub.toLowerCase());
      if (!client) cache.set(sub.toLowerCase(), (client = make(sub)));
      return client;
    };
  };

  const keyVault = new KeyVaultManagementClient(credential, options.vaultSubscriptionId ?? subscriptionId, modular());
  const network = new NetworkManagementClient(credential, subscriptionId, modular());
  const networkBySubscription = perSubscription((sub) => new NetworkManagementClient(credential, sub, modular()));
  const keyVaultBySubscription = perSubscription((sub) => new KeyVaultManagementClient(credential, sub, modular()));

  return {
    profile,
    subscriptionId,
    credential,
    apim,
    apimFor,
    // Deployments 2025-04-01: the newest api-version with a published spec (the client defaults to 2026-06-01).
    deploymentsFor: perSubscription((sub) => new DeploymentsClient(credential, sub, { ...modular(), apiVersion: '2025-04-01' })),
    stacksFor: perSubscription((sub) => new DeploymentStacksClient(credential, sub, classic())),
    authorization: new AuthorizationManagementClient(credential, subscriptionId, classic()),
    keyVault,
    keyVaultFor: (sub) =>
      sub.toLowerCase() === (options.vaultSubscriptionId ?? subscriptionId).toLowerCase() ? keyVault : keyVaultBySubscription(sub),
    network,
    networkFor: (sub) => (sub.toLowerCase() === subscriptionId.toLowerCase() ? network : networkBySubscription(sub)),
    resourceGraph: new ResourceGraphClient(credential, modular()),
    // The data plane's scope follows the vault's 401 challenge; the URL comes from ARM (vaultUri), checked first.
    certificateClient: (vaultUri) => dataPlane('cert', vaultUri, () => new CertificateClient(vaultUri, credential, common())),
    secretClient: (vaultUri) => dataPlane('secret', vaultUri, () => new SecretClient(vaultUri, credential, common())),
    lroIntervalMs: options.lroIntervalMs,
  };
}
