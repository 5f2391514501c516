// The Gateway of src/checks/ports.ts over the real SDK clients (Azure or the sandbox: same code).
import type { Operation } from '../checks/types.ts';
import type { CallOptions, Gateway } from '../checks/ports.ts';
import { applyOperation } from './apply/index.ts';
import type { AzureClients } from './clients.ts';
import type { CloudProfile } from './cloud.ts';
import { withEventSink } from './events-policy.ts';
import { gather, getApimCertificate, listVaultCertificates, probeDataPlane } from './gather.ts';
import { remoteFacts } from './untrusted.ts';

/** Inputs of createAzureGateway. */
export interface AzureGatewayOptions {
  clients: AzureClients;
  profile: CloudProfile;
  context: { subscriptionId: string; sandbox: boolean };
  /** Test seam: runs between the re-read and the write of every operation. */
  beforeWrite?: (operation: Operation) => Promise<void>;
}

export function createAzureGateway(options: AzureGatewayOptions): Gateway {
  const { clients, context } = options;
  // Every read passes remoteFacts on its way out: the one place Azure's data becomes Facts.
  const run = <T>(call: CallOptions | undefined, fn: (signal?: AbortSignal) => Promise<T>): Promise<T> =>
    withEventSink(call?.onEvent, async () => remoteFacts(await fn(call?.signal)));
  return {
    gather: (target, call) => run(call, (signal) => gather(clients, context, target, signal, call?.secretIds)),
    apply: (operation, call) => run(call, (signal) => applyOperation({ clients, signal, beforeWrite: options.beforeWrite }, operation)),
    listVaultCertificates: (vaultUri, call) => run(call, (signal) => listVaultCertificates(clients, vaultUri, signal)),
    probeDataPlane: (vaultUri, call) => run(call, (signal) => probeDataPlane(clients, vaultUri, signal)),
    getApimCertificate: (apimId, certificateId, call) => run(call, (signal) => getApimCertificate(clients, apimId, certificateId, signal)),
  };
}
