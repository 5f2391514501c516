// Run every check, in the runbook's order. Pure: the same facts always give the same findings.
import { accessChecks } from './access.ts';
import { certificateChecks } from './certificate.ts';
import { contextChecks } from './context.ts';
import type { Facts } from './facts.ts';
import { firewallChecks } from './firewall.ts';
import { networkChecks, otherVaultNetworkChecks } from './network.ts';
import { prerequisiteChecks } from './prerequisites.ts';
import { checkNamedValues, checkReferencedSecrets, otherVaultFirewallChecks, otherVaultSecretChecks, pairChecks } from './references.ts';
import { cannotHelpText, explainFailure, unfixableCause } from './certificate.ts';
import type { Finding } from './types.ts';
import { uploadChecks } from './upload.ts';

export function runChecks(facts: Facts): Finding[] {
  // Steps 2 and 3 again for each other (identity, vault) pair the references use, each after its step's own checks;
  // step 3's vault-level checks, step 4 and REF-SECRET again for each other vault (the path and the secret do not depend on the identity).
  const pairs = pairChecks(facts);
  const of = (step: Finding['step']) => pairs.filter((f) => f.step === step);
  const earlier = [
    ...contextChecks(facts),
    ...prerequisiteChecks(facts),
    ...of('prerequisites'),
    ...accessChecks(facts),
    ...of('access'),
    ...firewallChecks(facts),
    ...of('firewall'),
    ...otherVaultFirewallChecks(facts),
    ...networkChecks(facts),
    ...otherVaultNetworkChecks(facts),
  ];
  return [
    ...earlier,
    ...certificateChecks(facts, earlier),
    checkReferencedSecrets(facts),
    ...otherVaultSecretChecks(facts),
    checkNamedValues(
      facts,
      (s, identity, secretIdentifier) => explainFailure(s, earlier, identity, facts, secretIdentifier),
      (s, identity, secretIdentifier) => unfixableCause(s, earlier, identity, facts, secretIdentifier),
      cannotHelpText,
    ),
    ...uploadChecks(facts),
  ];
}

export { STEPS } from './steps.ts';
