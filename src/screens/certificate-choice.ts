// Step 5's pure rules for the wizards: what an identifier means, which identities may be used, and what
// the certificate entity may be called. No I/O, so they are tested on literals.
import type { Facts, VaultCertificateFacts } from '../checks/facts.ts';
import { daysUntil } from './text.ts';

/** A Key Vault secret identifier, understood. */
export type ParsedIdentifier =
  | { ok: true; versionless: string; name: string; version?: string; host: string; note?: string }
  | { ok: false; reason: string };

/**
 * Accepts https://<vault><suffix>/secrets/<name>[/<version>] (a /certificates/ URL is rewritten to the
 * /secrets/ one API Management needs), or a bare secret name resolved against the run's vault.
 */
export function parseIdentifier(input: string, vaultUri?: string): ParsedIdentifier {
  const text = input.trim();
  if (text === '') return { ok: false, reason: 'Type a secret identifier (https://<vault>.vault.azure.net/secrets/<name>) or a secret name.' };
  if (/^[0-9A-Za-z-]{1,127}$/.test(text)) {
    if (!vaultUri) return { ok: false, reason: 'The vault has not been read, so a bare name cannot be resolved: type the full identifier.' };
    const base = new URL(vaultUri);
    return { ok: true, versionless: `${base.origin}/secrets/${text}`, name: text, host: base.host };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'Not a URL: expected https://<vault>.vault.azure.net/secrets/<name>.' };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'Key Vault identifiers start with https://.' };
  const parts = url.pathname.split('/').filter(Boolean);
  const [collection, name, version, ...rest] = parts;
  if ((collection !== 'secrets' && collection !== 'certificates') || !name || rest.length > 0) {
    return { ok: false, reason: 'Expected the path /secrets/<name> or /secrets/<name>/<version>.' };
  }
  const note = collection === 'certificates' ? 'API Management reads certificates through the /secrets/ endpoint: the identifier was rewritten.' : undefined;
  return { ok: true, versionless: `${url.origin}/secrets/${name}`, name, host: url.host, ...(version ? { version } : {}), ...(note ? { note } : {}) };
}

/** The identifier as it will be sent: versionless unless the operator chose to keep the version. */
export function identifierToUse(parsed: Extract<ParsedIdentifier, { ok: true }>, keepVersion: boolean): string {
  return keepVersion && parsed.version ? `${parsed.versionless}/${parsed.version}` : parsed.versionless;
}

/** Is the vault's firewall on (so only the system-assigned identity gets through)? Unknown counts as off. */
export function vaultFirewallOn(facts: Facts | undefined): boolean {
  const vault = facts?.vault;
  if (!vault?.ok) return false;
  const v = vault.value;
  return v.publicNetworkAccess === 'Disabled' || v.publicNetworkAccess === 'SecuredByPerimeter' || v.networkAcls.defaultAction.toLowerCase() === 'deny';
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
  if (!apim?.ok) return [{ value: 'system', label: 'System-assigned identity', kind: 'system', note: 'API Management could not be read; its identities are unknown.' }];
  const identity = apim.value.identity;
  const hasSystem = /SystemAssigned/i.test(identity.type);
  const firewall = vaultFirewallOn(facts);
  const choices: IdentityChoice[] = [
    {
      value: 'system',
      kind: 'system',
      label: hasSystem ? `System-assigned identity (principal ${identity.principalId ?? 'unknown'})` : 'System-assigned identity (not enabled yet)',
      note: hasSystem ? undefined : 'Not enabled: the PRE-MI fix enables it; the certificate check will say so too.',
    },
  ];
  for (const uai of identity.userAssigned) {
    const name = uai.id.split('/').pop() ?? uai.id;
    choices.push({ value: uai.id, kind: 'user', label: `User-assigned ${name} (client ${uai.clientId})`, ...(firewall ? { refused: UAI_BEHIND_FIREWALL } : {}) });
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
  return secretName.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 80) || 'certificate';
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
