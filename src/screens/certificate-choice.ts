// Step 5's pure rules for the wizards: which identities may be used, and what the certificate entity may be
// called. No I/O, so they are tested on literals. (What an identifier means is checks/identifiers.ts.)
import type { Facts, VaultCertificateFacts } from '../checks/facts.ts';
import { daysUntil } from './text.ts';

/** Is the vault's firewall on (so only the system-assigned identity gets through)? Unknown counts as off. */
export function vaultFirewallOn(facts: Facts | undefined): boolean {
  const vault = facts?.vault;
  if (!vault?.ok) return false;
  const v = vault.value;
  return (
    v.publicNetworkAccess === 'Disabled' ||
    v.publicNetworkAccess === 'SecuredByPerimeter' ||
    v.networkAcls.defaultAction.toLowerCase() === 'deny'
  );
}

/** One identity the operator may pick for API Management to read the vault with. */
export interface IdentityChoice {
  value: string;
  label: string;
  kind: 'system' | 'user';
  /** Why it cannot be used here (and what to do), when it cannot. */
  refused?: string;
  note?: string;
}

export const UAI_BEHIND_FIREWALL =
  'Refused: the vault firewall is on, and behind it API Management must use its system-assigned identity (user-assigned identities do not get the trusted-service exception). Fix: enable the system-assigned identity (PRE-MI), grant it access (step 2), then choose it here.';

export function identityChoices(facts: Facts | undefined): IdentityChoice[] {
  const apim = facts?.apim;
  if (!apim?.ok)
    return [
      {
        value: 'system',
        label: 'System-assigned identity',
        kind: 'system',
        note: 'API Management could not be read; its identities are unknown.',
      },
    ];
  const identity = apim.value.identity;
  const hasSystem = /SystemAssigned/i.test(identity.type);
  const firewall = vaultFirewallOn(facts);
  const choices: IdentityChoice[] = [
    {
      value: 'system',
      kind: 'system',
      label: hasSystem
        ? `System-assigned identity (principal ${identity.principalId ?? 'unknown'})`
        : 'System-assigned identity (not enabled yet)',
      note: hasSystem ? undefined : 'Not enabled: the PRE-MI fix enables it; the certificate check will say so too.',
    },
  ];
  for (const uai of identity.userAssigned) {
    const name = uai.id.split('/').pop() ?? uai.id;
    choices.push({
      value: uai.id,
      kind: 'user',
      label: `User-assigned ${name} (client ${uai.clientId})`,
      ...(firewall ? { refused: UAI_BEHIND_FIREWALL } : {}),
    });
  }
  return choices;
}

/** API Management certificate ids: up to 80 characters, none of * # & + : < > ? */
export function validCertificateId(id: string): string | undefined {
  if (id.length === 0) return 'Give the certificate an id.';
  if (id.length > 80) return 'At most 80 characters.';
  if (/[*#&+:<>?/\\\s]/.test(id)) return 'No spaces or any of * # & + : < > ? / \\';
  return undefined;
}

/** A sensible default id from the secret name. */
export function suggestCertificateId(secretName: string): string {
  return (
    secretName
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 80) || 'certificate'
  );
}

/** The picker's badge for a vault certificate: why it might not work, or when it expires. */
export function certificateBadge(cert: VaultCertificateFacts, now: string): { text: string; tone: 'pass' | 'warn' | 'fail' } {
  if (!cert.enabled) return { text: '✖ disabled', tone: 'fail' };
  const days = daysUntil(cert.expiresOn, now);
  if (days !== undefined && days < 0) return { text: '✖ expired', tone: 'fail' };
  if (cert.contentType === 'application/x-pem-file') return { text: '▲ PEM', tone: 'warn' };
  if (days !== undefined && days < 30) return { text: `▲ ${days} d left`, tone: 'warn' };
  return { text: '✔ enabled', tone: 'pass' };
}
