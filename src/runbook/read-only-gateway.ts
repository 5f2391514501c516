// --read-only: the gateway itself refuses every write, so no screen, command or bug can send one.
import type { Gateway, OperationResult } from '../checks/ports.ts';

export function readOnlyGateway(inner: Gateway): Gateway {
  return {
    gather: (target, options) => inner.gather(target, options),
    listVaultCertificates: (vaultUri, options) => inner.listVaultCertificates(vaultUri, options),
    probeDataPlane: (vaultUri, options) => inner.probeDataPlane(vaultUri, options),
    getApimCertificate: (apimId, certificateId, options) => inner.getApimCertificate(apimId, certificateId, options),
    async apply(operation): Promise<OperationResult> {
      return {
        outcome: 'failed',
        message: `Read-only mode: ${operation.kind} was not sent. Run without --read-only to apply fixes.`,
        verified: false,
        lost: [],
        error: { kind: 'Forbidden', message: 'Read-only mode', hint: 'Run without --read-only to apply fixes.' },
      };
    },
  };
}
