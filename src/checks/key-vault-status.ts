// What a certificate's keyVault.lastStatus failure points back to: API Management reports the Key Vault
// error in words, and each kind of error is explained by one step of the runbook.
import type { KeyVaultStatusFacts } from './facts.ts';
import type { StepId } from './types.ts';

/** The part of the runbook a failure belongs to. */
export type FailureArea = 'firewall' | 'access' | 'prerequisites' | 'identifier' | 'certificate' | 'network';

/** Where a failure is explained, in plain words. */
export interface FailureExplanation {
  area: FailureArea;
  step: StepId;
  advice: string;
}

// First match wins: "ForbiddenByFirewall" is a firewall problem even though it says Forbidden.
const RULES: readonly { re: RegExp; area: FailureArea; step: StepId; advice: string }[] = [
  { re: /firewall/i, area: 'firewall', step: 'firewall', advice: 'the vault firewall blocked API Management: see step 3 (Key Vault firewall)' },
  { re: /rbac|policy|permission|forbidden/i, area: 'access', step: 'access', advice: 'the identity lacks permission on the vault: see step 2 (Key vault access)' },
  { re: /identity/i, area: 'prerequisites', step: 'prerequisites', advice: "API Management's identity is missing or wrong: see step 1 (Prerequisites)" },
  { re: /notfound|not found|secretstype/i, area: 'identifier', step: 'certificate', advice: 'the identifier does not name a secret in the vault: check it (CERT-ID-FORMAT)' },
  { re: /contenttype|content type/i, area: 'certificate', step: 'certificate', advice: 'the secret is not a PKCS#12 certificate: re-import it into Key Vault as a certificate' },
  { re: /network|nsg|timed out|timeout/i, area: 'network', step: 'network', advice: 'API Management could not reach the vault: see step 4 (Virtual network)' },
];

/** Is a lastStatus a success? */
export function statusOk(status: KeyVaultStatusFacts | undefined): boolean {
  return status?.code.toLowerCase() === 'success';
}

/** Map a failed lastStatus to the step that explains it; undefined when nothing matches. */
export function explainStatus(status: KeyVaultStatusFacts): FailureExplanation | undefined {
  const text = `${status.code} ${status.message ?? ''}`;
  const rule = RULES.find((r) => r.re.test(text));
  return rule ? { area: rule.area, step: rule.step, advice: rule.advice } : undefined;
}

/** One line for evidence: code, message and time. */
export function describeStatus(status: KeyVaultStatusFacts): string {
  return `${status.code}${status.message ? `: ${status.message}` : ''}${status.timeStampUtc ? ` (${status.timeStampUtc})` : ''}`;
}
