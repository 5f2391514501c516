// Step 5a: add a Key Vault certificate to API Management (identifier, identity, create, verify), and the
// health of the certificates already there (expiry, failed refreshes, versioned identifiers, custom domains).
import type { ApimCertificateFacts, ApimFacts, CertificateIntent, Facts } from './facts.ts';
import { daysUntil, EXPIRY_WARNING_DAYS } from './dates.ts';
import { finding, unknownFinding } from './finding.ts';
import { parseSecretIdentifier, type ParsedSecretIdentifier } from './identifiers.ts';
import { describeStatus, explainOrQuote, explainStatus, statusOk, type FailureExplanation } from './key-vault-status.ts';
import type { KeyVaultStatusFacts } from './facts.ts';
import { makePlan } from './plan.ts';
import { firewallOn, identityName, lineOfSight, pickIdentity, vaultPosture } from './posture.ts';
import {
  instanceIdentities,
  newCertificateIdentity,
  onVault,
  referencesOf,
  renewedVersion,
  secretProblem,
  unreadableVaultCheck,
  unreadText,
} from './references.ts';
import { referenceVerdicts } from './reference-rules.ts';
import { STEPS, DOCS } from './steps.ts';
import type { Finding } from './types.ts';

const STEP = 'certificate' as const;
const CHOOSE = 'Choose what to add in step 5: a certificate from Key Vault, or a .pfx file to upload.';

type KeyVaultIntent = Extract<CertificateIntent, { kind: 'keyVault' }>;

function keyVaultIntent(facts: Facts): KeyVaultIntent | undefined {
  return facts.intent?.kind === 'keyVault' ? facts.intent : undefined;
}

/** What a check that needs a Key Vault intent says when there is none (or the intent is an upload). */
function notKeyVault(checkId: string, title: string, facts: Facts): Finding {
  return facts.intent
    ? finding(checkId, STEP, 'skipped', title, 'You chose to upload a .pfx file: Key Vault identifier checks do not apply.')
    : finding(checkId, STEP, 'info', title, CHOOSE);
}

function existingCertificate(facts: Facts, certificateId: string): ApimCertificateFacts | undefined {
  return facts.apimCertificates.ok
    ? facts.apimCertificates.value.find((c) => c.name.toLowerCase() === certificateId.toLowerCase())
    : undefined;
}

function parsedIntent(facts: Facts, intent: KeyVaultIntent): ParsedSecretIdentifier {
  return parseSecretIdentifier(intent.secretIdentifier, facts.context.kvDnsSuffix);
}

export function checkIdFormat(facts: Facts): Finding {
  const title = 'Secret identifier format';
  const intent = keyVaultIntent(facts);
  if (!intent) return notKeyVault('CERT-ID-FORMAT', title, facts);
  const parsed = parsedIntent(facts, intent);
  const evidence = [`identifier: ${intent.secretIdentifier}`];
  if (!parsed.ok) return finding('CERT-ID-FORMAT', STEP, 'fail', title, parsed.error, { evidence });
  evidence.push(`will send: ${parsed.normalised}`, ...parsed.changes.map((c) => `normalised: ${c}`));
  if (facts.vault.ok && facts.vault.value.name.toLowerCase() !== parsed.vaultName) {
    return finding(
      'CERT-ID-FORMAT',
      STEP,
      'warn',
      title,
      `The identifier points at vault ${parsed.vaultName}, but steps 1-4 checked ${facts.vault.value.name}: run apimkv against ${parsed.vaultName} to check the vault API Management will actually read.`,
      { evidence },
    );
  }
  if (parsed.wasCertificateUrl) {
    return finding(
      'CERT-ID-FORMAT',
      STEP,
      'warn',
      title,
      `The identifier used /certificates/, which API Management rejects ("only accepts KeyVault Secrets type"): it will be sent as ${parsed.normalised}.`,
      { evidence },
    );
  }
  return finding('CERT-ID-FORMAT', STEP, 'pass', title, `A valid secret identifier for vault ${parsed.vaultName}.`, { evidence });
}

export function checkIdVersion(facts: Facts): Finding {
  const title = 'Identifier without a version (auto-rotation)';
  const intent = keyVaultIntent(facts);
  if (!intent) return notKeyVault('CERT-ID-VERSION', title, facts);
  const parsed = parsedIntent(facts, intent);
  if (!parsed.ok) return finding('CERT-ID-VERSION', STEP, 'skipped', title, 'The identifier is not valid (CERT-ID-FORMAT).');
  if (parsed.version) {
    return finding(
      'CERT-ID-VERSION',
      STEP,
      'warn',
      title,
      `The identifier names version ${parsed.version}: API Management will keep that version and never pick up a renewal. Use ${parsed.versionless} so renewals arrive within four hours.`,
      { evidence: [`versionless form: ${parsed.versionless}`] },
    );
  }
  return finding('CERT-ID-VERSION', STEP, 'pass', title, 'No version: API Management picks up renewed versions within four hours.');
}

export function checkCertIdentity(facts: Facts): Finding {
  const title = 'Client identity for the certificate';
  const intent = keyVaultIntent(facts);
  if (!intent) return notKeyVault('CERT-IDENTITY', title, facts);
  if (!facts.apim.ok) return unknownFinding('CERT-IDENTITY', STEP, title, 'the API Management instance', facts.apim);
  const picked = pickIdentity(facts, facts.apim.value);
  switch (picked.kind) {
    case 'system':
      return picked.enabled
        ? finding(
            'CERT-IDENTITY',
            STEP,
            'pass',
            title,
            'The system-assigned identity: identityClientId is left out (sending an id for it is rejected with "Can not find Managed Identity with provided IdentityClientId").',
          )
        : finding(
            'CERT-IDENTITY',
            STEP,
            'fail',
            title,
            'The system-assigned identity is chosen but not enabled: enable it first (PRE-MI).',
          );
    case 'user':
      return finding(
        'CERT-IDENTITY',
        STEP,
        'pass',
        title,
        `The user-assigned identity ${picked.id.split('/').pop()}: identityClientId is its client id (not its principal id).`,
        { evidence: [`client id: ${picked.clientId}`, `principal id: ${picked.principalId}`] },
      );
    case 'unattached':
      return finding(
        'CERT-IDENTITY',
        STEP,
        'fail',
        title,
        `The identity ${picked.id.split('/').pop()} is not attached to API Management: attach it, or choose one that is.`,
        { evidence: [`resource id: ${picked.id}`] },
      );
    case 'none':
      return finding('CERT-IDENTITY', STEP, 'fail', title, 'API Management has no managed identity: enable one first (PRE-MI).');
  }
}

export function checkExisting(facts: Facts): Finding {
  const title = 'Certificate id already in use';
  if (!facts.intent) return finding('CERT-EXISTING', STEP, 'info', title, CHOOSE);
  if (!facts.apimCertificates.ok)
    return unknownFinding('CERT-EXISTING', STEP, title, "API Management's certificates", facts.apimCertificates);
  const existing = existingCertificate(facts, facts.intent.certificateId);
  if (!existing)
    return finding('CERT-EXISTING', STEP, 'pass', title, `No certificate "${facts.intent.certificateId}" yet: it will be created.`);
  const source = existing.keyVault ? `Key Vault ${existing.keyVault.secretIdentifier}` : 'an uploaded file';
  if (checkCreate(facts, []).status === 'pass')
    return finding('CERT-EXISTING', STEP, 'pass', title, `"${existing.name}" already is this certificate (from ${source}).`);
  return finding(
    'CERT-EXISTING',
    STEP,
    'warn',
    title,
    `"${existing.name}" already exists (from ${source}): adding it again replaces it, and policies or domains using it switch to the new certificate.`,
    {
      evidence: [
        `subject: ${existing.subject ?? 'unknown'}`,
        `thumbprint: ${existing.thumbprint ?? 'unknown'}`,
        `expires: ${existing.expirationDate ?? 'unknown'}`,
        `etag: ${existing.etag ?? 'none'}`,
      ],
    },
  );
}

/** Failing checks of steps 0-4 that would stop API Management from fetching the certificate. */
/** Step checks (about the new certificate's identity) still failing; pair checks are about other references. */
function upstreamFailures(earlier: readonly Finding[]): Finding[] {
  return earlier.filter((f) => f.step !== 'certificate' && !f.about && (f.status === 'fail' || f.status === 'unknown'));
}

export function checkCreate(facts: Facts, earlier: readonly Finding[]): Finding {
  const title = 'Add the Key Vault certificate';
  const intent = keyVaultIntent(facts);
  if (!intent) return notKeyVault('CERT-CREATE', title, facts);
  if (!facts.apim.ok) return unknownFinding('CERT-CREATE', STEP, title, 'the API Management instance', facts.apim);
  const parsed = parsedIntent(facts, intent);
  if (!parsed.ok)
    return finding('CERT-CREATE', STEP, 'fail', title, `Not ready: the identifier is not valid (CERT-ID-FORMAT): ${parsed.error}`);
  const apim = facts.apim.value;
  const picked = pickIdentity(facts, apim);
  if (picked.kind === 'none' || picked.kind === 'unattached' || (picked.kind === 'system' && !picked.enabled)) {
    return finding('CERT-CREATE', STEP, 'fail', title, 'Not ready: the chosen identity cannot be used (CERT-IDENTITY).');
  }
  // A vault that is not there: API Management's fetch fails for certain, so the write is refused unsent.
  const vaultFact = facts.vault;
  if (
    !vaultFact.ok &&
    vaultFact.unknown === 'NotFound' &&
    vaultFact.from?.resourceId?.split('/').pop()?.toLowerCase() === parsed.vaultName
  ) {
    return finding(
      'CERT-CREATE',
      STEP,
      'fail',
      title,
      `Not ready: the key vault ${parsed.vaultName} does not exist (PRE-VAULT): API Management could not fetch the certificate from it. Check the identifier and --vault, or recover the vault if it was deleted.`,
      {
        evidence: [`looked for: ${vaultFact.from.resourceId}`],
      },
    );
  } // Refused before any preview: what API Management's fetch would certainly refuse (same rules as REF-SECRET, FW-IDENTITY).
  const secret = secretProblem(facts, parsed.normalised, 'certificate');
  if (secret?.status === 'fail')
    return finding('CERT-CREATE', STEP, 'fail', title, `Not ready: ${secret.text}.`, {
      evidence: [`identifier: ${parsed.normalised}`],
      docLink: DOCS.customDomain,
    });

  // A user-assigned identity gets no trusted-service exception: with the firewall on and no line of sight
  // API Management's fetch is refused for certain, so the write could only fail — refuse it before sending.
  const vault = facts.vault.ok ? facts.vault.value : undefined;
  if (picked.kind === 'user' && vault && vault.name.toLowerCase() === parsed.vaultName && firewallOn(vault)) {
    const sight = lineOfSight(facts, apim, vault);
    if (sight.paths.length === 0 && sight.gaps.length === 0) {
      return finding(
        'CERT-CREATE',
        STEP,
        'fail',
        title,
        `Not ready: the firewall of ${vault.name} admits API Management only with its system-assigned identity (the user-assigned identity ${picked.id.split('/').pop()} gets no trusted-service exception, and the vault gives API Management no network line of sight). Choose the system-assigned identity (FW-IDENTITY).`,
        {
          evidence: [
            `identity: user-assigned ${picked.id}`,
            `firewall: ${vault.publicNetworkAccess === 'Disabled' ? 'public network access disabled' : `default action ${vault.networkAcls.defaultAction}`}`,
            'line of sight: none',
          ],
          docLink: DOCS.identity,
        },
      );
    }
  }
  if (!facts.apimCertificates.ok)
    return unknownFinding('CERT-CREATE', STEP, title, "API Management's certificates", facts.apimCertificates);
  const identityClientId = picked.kind === 'user' ? picked.clientId : undefined;
  const existing = existingCertificate(facts, intent.certificateId);
  const evidence = [
    `certificate id: ${intent.certificateId}`,
    `identifier: ${parsed.normalised}`,
    `identity: ${identityClientId ? `user-assigned (client ${identityClientId})` : 'system-assigned'}`,
  ];
  if (
    existing?.keyVault &&
    existing.keyVault.secretIdentifier.toLowerCase() === parsed.normalised.toLowerCase() &&
    (existing.keyVault.identityClientId ?? undefined) === identityClientId &&
    statusOk(existing.keyVault.lastStatus)
  ) {
    return finding(
      'CERT-CREATE',
      STEP,
      'pass',
      title,
      `"${existing.name}" already references ${parsed.normalised} and API Management fetched it.`,
      { evidence },
    );
  }
  // Even with a line of sight: Microsoft documents the system identity as the one to use behind the firewall.
  const fwIdentity = earlier.find((f) => f.checkId === 'FW-IDENTITY');
  if (picked.kind === 'user' && fwIdentity?.status === 'fail') {
    return finding(
      'CERT-CREATE',
      STEP,
      'fail',
      title,
      `Not ready: behind the vault firewall only the system-assigned identity is admitted, not ${identityName(apim, picked.clientId)} (FW-IDENTITY). Choose the system identity (add-cert --identity system).`,
      { docLink: DOCS.identity },
    );
  }
  const blocking = upstreamFailures(earlier);
  if (blocking.length) evidence.push(`still failing or unknown: ${blocking.map((f) => f.checkId).join(', ')}`);
  const fix = makePlan('CERT-CREATE', facts, {
    title: `${existing ? 'Update' : 'Add'} certificate "${intent.certificateId}" from ${parsed.normalised}`,
    operations: [
      {
        kind: 'apim.putKeyVaultCertificate',
        apimId: apim.id,
        certificateId: intent.certificateId,
        secretIdentifier: parsed.normalised,
        ...(identityClientId ? { identityClientId } : {}),
        // An update must match the current entity tag; "*" when the read gave none.
        ...(existing?.etag ? { ifMatch: existing.etag } : {}),
      },
    ],
    disruption: existing
      ? `Policies and domains that use "${existing.name}" switch to the new certificate as soon as it is fetched.`
      : 'None: a new certificate entity is added.',
  });
  const cause = blocking.length
    ? `Not added yet, and ${blocking.map((f) => f.checkId).join(', ')} ${blocking.length === 1 ? 'is' : 'are'} still failing or unknown: API Management may be unable to fetch it. Fix those first, or add it now and read the verdict in CERT-VERIFY.`
    : `Not added yet: everything it needs checks out. Apply to ${existing ? 'update' : 'add'} "${intent.certificateId}".`;
  return finding('CERT-CREATE', STEP, 'warn', title, cause, { evidence, fix });
}

export function checkVerify(facts: Facts): Finding {
  const title = 'API Management fetched the certificate';
  const intent = keyVaultIntent(facts);
  if (!intent) return notKeyVault('CERT-VERIFY', title, facts);
  if (!facts.apimCertificates.ok)
    return unknownFinding('CERT-VERIFY', STEP, title, "API Management's certificates", facts.apimCertificates);
  const existing = existingCertificate(facts, intent.certificateId);
  if (!existing) return finding('CERT-VERIFY', STEP, 'info', title, `"${intent.certificateId}" has not been added yet (CERT-CREATE).`);
  if (!existing.keyVault)
    return finding(
      'CERT-VERIFY',
      STEP,
      'info',
      title,
      `"${existing.name}" is currently an uploaded certificate; CERT-CREATE replaces it with the Key Vault reference.`,
    );
  const status = existing.keyVault.lastStatus;
  const evidence = [
    `identifier: ${existing.keyVault.secretIdentifier}`,
    `last status: ${status ? describeStatus(status) : 'none yet'}`,
    `thumbprint: ${existing.thumbprint ?? 'unknown'}`,
    `expires: ${existing.expirationDate ?? 'unknown'}`,
  ];
  if (!status)
    return finding('CERT-VERIFY', STEP, 'info', title, 'API Management has not reported a fetch yet: re-check in a moment.', { evidence });
  if (statusOk(status)) {
    return finding(
      'CERT-VERIFY',
      STEP,
      'pass',
      title,
      `API Management read the secret${existing.thumbprint ? ` (thumbprint ${existing.thumbprint})` : ''}${status.timeStampUtc ? ` at ${status.timeStampUtc}` : ''}.`,
      { evidence },
    );
  }
  const explained = explainStatus(status);
  return finding(
    'CERT-VERIFY',
    STEP,
    'fail',
    title,
    `API Management could not fetch the secret (${status.code}${status.message ? `: ${status.message}` : ''}): ${explained ? explained.advice : 'apimkv does not recognise this message'}. After fixing it, refresh the certificate (CERT-REFRESH).`,
    {
      evidence,
      docLink: explained ? STEPS.find((s) => s.id === explained.step)!.docLink : undefined,
    },
  );
}

export function checkExpiry(facts: Facts): Finding {
  const title = 'Certificates in API Management not expiring';
  if (!facts.apimCertificates.ok)
    return unknownFinding('CERT-EXPIRY', STEP, title, "API Management's certificates", facts.apimCertificates);
  const certs = facts.apimCertificates.value;
  if (certs.length === 0) return finding('CERT-EXPIRY', STEP, 'info', title, 'API Management has no certificates yet.');
  const dated = certs.map((c) => ({ c, days: daysUntil(c.expirationDate, facts.context.now) }));
  const expired = dated.filter((d) => d.days !== undefined && d.days < 0);
  const soon = dated.filter((d) => d.days !== undefined && d.days >= 0 && d.days < EXPIRY_WARNING_DAYS);
  const evidence = dated.map(
    ({ c, days }) =>
      `${c.name}: ${c.expirationDate ?? 'no expiry date'}${days !== undefined ? ` (${days < 0 ? `expired ${-days} d ago` : `${days} d left`})` : ''}${c.keyVault ? ' [Key Vault]' : ' [uploaded]'}`,
  );
  if (expired.length) {
    // Where Key Vault already holds a renewed version, renewing again is not the fix: re-add versionless, or refresh.
    const advice = expired.map(({ c }) => {
      const renewed = c.keyVault ? renewedVersion(facts, c.keyVault.secretIdentifier) : undefined;
      if (!renewed || !c.keyVault)
        return `${c.name}: renew it in Key Vault (versionless references follow within four hours) or upload a new file`;
      const parsed = parseSecretIdentifier(c.keyVault.secretIdentifier, facts.context.kvDnsSuffix);
      const until = renewed.expiresOn ? ` (valid until ${renewed.expiresOn.slice(0, 10)})` : '';
      return parsed.ok && parsed.version
        ? `${c.name}: Key Vault already has a renewed version${until}, but the reference is pinned to ${parsed.version.slice(0, 8)}…: re-add it versionless (apimkv add-cert --certificate-id ${c.name} --secret-id ${parsed.versionless})`
        : `${c.name}: Key Vault already has a renewed version${until}: refresh it (CERT-REFRESH) and fix whatever blocks the refresh`;
    });
    const refreshable = expired.filter(
      ({ c }) =>
        c.keyVault &&
        renewedVersion(facts, c.keyVault.secretIdentifier) &&
        !versionOf(parseSecretIdentifier(c.keyVault.secretIdentifier, facts.context.kvDnsSuffix)),
    );
    const fix =
      refreshable.length && facts.apim.ok
        ? makePlan('CERT-EXPIRY', facts, {
            title: `Refresh ${refreshable.map(({ c }) => `"${c.name}"`).join(', ')} from Key Vault (renewed version)`,
            operations: refreshable.map(({ c }) => ({
              kind: 'apim.refreshCertificate',
              apimId: (facts.apim as { value: ApimFacts }).value.id,
              certificateId: c.name,
            })),
          })
        : undefined;
    return finding(
      'CERT-EXPIRY',
      STEP,
      'fail',
      title,
      `${expired.map((d) => d.c.name).join(', ')} ${expired.length === 1 ? 'has' : 'have'} expired: calls that present ${expired.length === 1 ? 'it' : 'them'} fail. ${advice.join('; ')}.`,
      { evidence, ...(fix ? { fix } : {}) },
    );
  }
  if (soon.length) {
    return finding(
      'CERT-EXPIRY',
      STEP,
      'warn',
      title,
      `${soon.map((d) => `${d.c.name} (${d.days} d)`).join(', ')} expire${soon.length === 1 ? 's' : ''} within ${EXPIRY_WARNING_DAYS} days: renew ${soon.length === 1 ? 'it' : 'them'} now.`,
      { evidence },
    );
  }
  return finding(
    'CERT-EXPIRY',
    STEP,
    'pass',
    title,
    certs.length === 1
      ? `The certificate does not expire within ${EXPIRY_WARNING_DAYS} days.`
      : `None of the ${certs.length} certificates expires within ${EXPIRY_WARNING_DAYS} days.`,
    { evidence },
  );
}

const versionOf = (p: ParsedSecretIdentifier) => (p.ok ? p.version : undefined);

/** Causes a refresh cannot cure: the reference itself must change (a new secret, identifier or vault). */
const NEEDS_NEW_REFERENCE: readonly FailureExplanation['area'][] = ['certificate', 'identifier', 'tenant'];

/**
 * Why a reference's last fetch failed, from the checks that explain it. Where those checks all pass, say so and quote
 * the message rather than point at a step with nothing to fix.
 */
/** The earlier findings a failed fetch's message points at, about that reference's identity and vault (open = not passing). */
function explainingFindings(
  status: KeyVaultStatusFacts,
  earlier: readonly Finding[],
  identity?: string,
  facts?: Facts,
  secretIdentifier?: string,
): { explained: FailureExplanation; about: Finding[]; open: Finding[] } | undefined {
  const explained = explainStatus(status);
  if (!explained) return undefined;
  const base = (id: string) => id.split('@')[0];
  // The step checks are about the new certificate's identity on the target vault; a pair's checks carry the identity
  // and vault they are about, so a reference on another vault is explained by that vault's checks only.
  const stepIdentity = facts?.apim.ok ? newCertificateIdentity(facts, facts.apim.value) : undefined;
  const vaultOf = (id?: string) => {
    try {
      return id ? new URL(id).hostname.toLowerCase().split('.')[0] : undefined;
    } catch {
      return undefined;
    }
  };
  const refVault = vaultOf(secretIdentifier);
  const target = facts?.vault.ok ? facts.vault.value.name.toLowerCase() : undefined;
  const sameVault = (f: Finding) =>
    !refVault || (f.about ? f.about.vault.toLowerCase().split('.')[0] === refVault : !target || target === refVault);
  const mine = (f: Finding) =>
    sameVault(f) &&
    // The network path does not depend on the identity: step 4's findings explain every reference on their vault,
    // so are step 3's vault-level checks on another vault (about every identity reading it).
    (!identity ||
      f.step === 'network' ||
      (f.about ? f.about.identity.split(', ').includes(identity) : !stepIdentity || stepIdentity === identity));
  const about = earlier.filter((f) => explained.checks.includes(base(f.checkId)) && mine(f));
  return { explained, about, open: about.filter((f) => f.status === 'fail' || f.status === 'warn' || f.status === 'unknown') };
}

export function explainFailure(
  status: KeyVaultStatusFacts,
  earlier: readonly Finding[],
  identity?: string,
  facts?: Facts,
  secretIdentifier?: string,
): string {
  // A vault that could not be read explains nothing: say so rather than guess a step from the wording.
  const unread = facts && secretIdentifier ? unreadableVaultCheck(facts, secretIdentifier) : undefined;
  if (unread)
    return `not diagnosed: its vault could not be read (${unread} unknown); the message was: ${status.code}${status.message ? `: ${status.message}` : ''}`;
  const explanation = explainingFindings(status, earlier, identity, facts, secretIdentifier);
  if (!explanation) return explainOrQuote(status);
  const { explained, about, open } = explanation;
  if (open.length) return `${pointAt(explained, open)} (${open.map((f) => `${f.checkId} ${f.status}`).join(', ')})`;
  if (about.length && about.every((f) => f.status === 'pass' || f.status === 'skipped' || f.status === 'info')) {
    return `the message points at ${explained.checks.join(', ')}, but they pass now: re-try the fetch (a fix may have been applied since), and if it fails again apimkv cannot tell the cause; the message was: ${status.code}${status.message ? `: ${status.message}` : ''}`;
  }
  return explained.advice;
}

/**
 * The checks that explain a failed fetch when each of them fails or warns with no fix apimkv can apply (a network
 * security perimeter, a missing private DNS record): a refresh cannot help until they change, so none is offered.
 * Empty when any explaining finding has a fix (fix all applies it first) or when nothing explains the failure.
 */
export function unfixableCause(
  status: KeyVaultStatusFacts,
  earlier: readonly Finding[],
  identity?: string,
  facts?: Facts,
  secretIdentifier?: string,
): string[] {
  const open = explainingFindings(status, earlier, identity, facts, secretIdentifier)?.open ?? [];
  const definite = open.filter((f) => f.status === 'fail' || f.status === 'warn');
  return definite.length && open.every((f) => !f.fix) ? definite.map((f) => f.checkId) : [];
}

/** " A refresh cannot help x until y changes …" for the references whose every explaining check has no fix. */
export function cannotHelpText(blocked: readonly { name: string; causes: readonly string[] }[]): string {
  if (blocked.length === 0) return '';
  const causes = [...new Set(blocked.flatMap((b) => b.causes))].join(', ');
  return ` A refresh cannot help ${blocked.map((b) => b.name).join(', ')} until ${causes} ${causes.includes(',') ? 'are' : 'is'} resolved, which apimkv cannot do for you: nothing is refreshed. Once resolved, API Management retries by itself within four hours.`;
}

/**
 * The advice pointing at the steps whose open findings explain the failure: a firewall refusal that only a step-4
 * finding explains (the service endpoint's VNet rule, a private endpoint) says "see step 4", not step 3.
 */
function pointAt(explained: FailureExplanation, open: readonly Finding[]): string {
  const steps = STEPS.flatMap((s, n) => (open.some((f) => f.step === s.id) ? [`step ${n} (${s.title})`] : []));
  const own = STEPS.findIndex((s) => s.id === explained.step);
  if (steps.length === 0 || (steps.length === 1 && steps[0] === `step ${own} (${STEPS[own]?.title})`)) return explained.advice;
  return explained.advice.replace(/see step \d+ \([^)]*\)/, `see ${steps.join(' and ')}`);
}

export function checkRefresh(facts: Facts, earlier: readonly Finding[] = []): Finding {
  const title = 'Key Vault certificates refresh successfully';
  if (!facts.apimCertificates.ok)
    return unknownFinding('CERT-REFRESH', STEP, title, "API Management's certificates", facts.apimCertificates);
  if (!facts.apim.ok) return unknownFinding('CERT-REFRESH', STEP, title, 'the API Management instance', facts.apim);
  const apim = facts.apim.value;
  const kv = facts.apimCertificates.value.filter((c) => c.keyVault);
  if (kv.length === 0) return finding('CERT-REFRESH', STEP, 'info', title, 'No certificate in API Management comes from Key Vault.');
  const failing = kv.filter((c) => c.keyVault!.lastStatus && !statusOk(c.keyVault!.lastStatus));
  const evidence = kv.map((c) => {
    const s = c.keyVault!.lastStatus;
    const who = identityName(apim, c.keyVault!.identityClientId);
    return `${c.name} (identity ${who}): ${s ? describeStatus(s) : 'no status yet'}${s && !statusOk(s) ? ` -> ${explainFailure(s, earlier, who, facts, c.keyVault!.secretIdentifier)}` : ''}`;
  });
  if (failing.length === 0)
    return finding(
      'CERT-REFRESH',
      STEP,
      'pass',
      title,
      kv.length === 1
        ? 'The Key Vault certificate last refreshed successfully.'
        : `All ${kv.length} Key Vault certificates last refreshed successfully.`,
      { evidence },
    );
  const stuck = failing.filter(
    (c) =>
      NEEDS_NEW_REFERENCE.includes(explainStatus(c.keyVault!.lastStatus!)?.area as FailureExplanation['area']) ||
      secretProblem(facts, c.keyVault!.secretIdentifier, 'certificate')?.status === 'fail',
  );
  const unread = failing.filter((c) => !stuck.includes(c) && unreadableVaultCheck(facts, c.keyVault!.secretIdentifier));
  const blocked = failing
    .filter((c) => !stuck.includes(c) && !unread.includes(c))
    .map((c) => ({
      c,
      name: c.name,
      causes: unfixableCause(
        c.keyVault!.lastStatus!,
        earlier,
        identityName(apim, c.keyVault!.identityClientId),
        facts,
        c.keyVault!.secretIdentifier,
      ),
    }))
    .filter((b) => b.causes.length);
  const refreshable = failing.filter((c) => !stuck.includes(c) && !unread.includes(c) && !blocked.some((b) => b.c === c));
  const fix = refreshable.length
    ? makePlan('CERT-REFRESH', facts, {
        title: `Refresh ${refreshable.map((c) => `"${c.name}"`).join(', ')} from Key Vault`,
        operations: refreshable.map((c) => ({ kind: 'apim.refreshCertificate', apimId: apim.id, certificateId: c.name })),
        disruption: 'None: API Management keeps the cached certificate if the refresh fails again.',
      })
    : undefined;
  const stuckText = stuck.length
    ? ` A refresh cannot help ${stuck.map((c) => c.name).join(', ')}: the secret or identifier itself must change (fix it in Key Vault, or re-add the certificate with apimkv add-cert).`
    : '';
  return finding(
    'CERT-REFRESH',
    STEP,
    'fail',
    title,
    `${failing.map((c) => c.name).join(', ')} failed to refresh from Key Vault: API Management keeps serving the cached copy until it expires. Fix the cause shown below, then refresh (otherwise it retries within four hours).${stuckText}${cannotHelpText(blocked)}${unreadText(
      facts,
      unread.map((c) => ({ name: c.name, secretIdentifier: c.keyVault!.secretIdentifier })),
    )}`,
    { evidence, ...(fix ? { fix } : {}) },
  );
}

export function checkVersioned(facts: Facts): Finding {
  const title = 'Existing certificates referenced without a version';
  if (!facts.apimCertificates.ok)
    return unknownFinding('CERT-VERSIONED', STEP, title, "API Management's certificates", facts.apimCertificates);
  const kv = facts.apimCertificates.value.filter((c) => c.keyVault);
  if (kv.length === 0) return finding('CERT-VERSIONED', STEP, 'info', title, 'No certificate in API Management comes from Key Vault.');
  const versioned = kv.flatMap((c) => {
    const parsed = parseSecretIdentifier(c.keyVault!.secretIdentifier, facts.context.kvDnsSuffix);
    return parsed.ok && parsed.version ? [{ c, parsed }] : [];
  });
  if (versioned.length === 0)
    return finding('CERT-VERSIONED', STEP, 'pass', title, 'Every Key Vault certificate follows the latest version.');
  return finding(
    'CERT-VERSIONED',
    STEP,
    'warn',
    title,
    `${versioned.map((v) => v.c.name).join(', ')} ${versioned.length === 1 ? 'references a fixed version' : 'reference fixed versions'}: renewals in Key Vault never reach API Management. Re-add ${versioned.length === 1 ? 'it' : 'each'} in step 5 with the same id and the versionless identifier.`,
    {
      evidence: versioned.map((v) => `${v.c.name}: ${v.c.keyVault!.secretIdentifier} -> ${v.parsed.versionless}`),
    },
  );
}

function checkHostnamesOf(facts: Facts, apim: ApimFacts): Finding {
  const title = 'Custom domains with Key Vault certificates';
  const hostnames = apim.hostnameConfigurations.filter((h) => h.keyVaultId);
  if (hostnames.length === 0)
    return finding('CERT-HOSTNAME', STEP, 'skipped', title, 'No custom domain takes its certificate from Key Vault.');
  const fails: string[] = [];
  const warns: string[] = [];
  const evidence = hostnames.map(
    (h) =>
      `${h.hostName} (${h.type}): ${h.keyVaultId}, status ${h.certificateStatus ?? 'unknown'}${h.identityClientId ? `, client ${h.identityClientId}` : ''}${h.expiry ? `, expires ${h.expiry}` : ''}`,
  );
  // The same rules as the audit's (reference-rules.ts), on the hostnames that read the target vault.
  const vault = facts.vault.ok ? facts.vault.value : undefined;
  const identities = instanceIdentities(apim);
  for (const ref of referencesOf(facts).filter((r) => r.kind === 'hostname')) {
    const on = vault && onVault(ref, vault) ? vault : undefined;
    const verdicts = referenceVerdicts(ref, identities, on ? vaultPosture(on) : undefined, facts.context.now, EXPIRY_WARNING_DAYS);
    for (const v of verdicts) {
      if (v.rule === 'refresh-failed')
        fails.push(
          `${ref.name}: the last certificate fetch failed (API Management serves the cached one until it expires; after the cause is fixed, a custom domain syncs from Key Vault in several hours, up to 1-2 days, or at once with "Sync certificates" in the portal)`,
        );
      else if (v.rule === 'versioned-identifier')
        warns.push(`${ref.name}: the identifier names version ${v.version}, so renewals are never picked up`);
      else if (v.rule === 'hostname-bypass-only' && !v.bypass)
        fails.push(
          `${ref.name}: the vault is not public and the trusted-services exception is off; custom-domain certificates need one of them even with a line of sight, so its next sync will fail (FW-BYPASS)`,
        );
      // Its next sync fails: the exception admits only the system identity, and a line of sight does not count for hostnames.
      else if (v.rule === 'uai-behind-firewall')
        fails.push(
          `${ref.name}: the user-assigned identity ${ref.identity} reads the certificate behind the vault firewall, which admits only the system-assigned identity for custom domains, so its next sync will fail. Switch the hostname to the system identity (the fix of FW-IDENTITY@${ref.identity})`,
        );
    }
  }
  if (fails.length)
    return finding('CERT-HOSTNAME', STEP, 'fail', title, `${[...fails, ...warns].join('; ')}.`, { evidence, docLink: DOCS.customDomain });
  if (!vault && facts.vault.ok === false) {
    if (warns.length)
      return finding('CERT-HOSTNAME', STEP, 'warn', title, `${warns.join('; ')}.`, { evidence, docLink: DOCS.customDomain });
    return unknownFinding('CERT-HOSTNAME', STEP, title, 'the key vault', facts.vault);
  }
  if (warns.length) return finding('CERT-HOSTNAME', STEP, 'warn', title, `${warns.join('; ')}.`, { evidence, docLink: DOCS.customDomain });
  return finding(
    'CERT-HOSTNAME',
    STEP,
    'pass',
    title,
    `${hostnames.length} custom domain${hostnames.length === 1 ? '' : 's'} fetch${hostnames.length === 1 ? 'es' : ''} its certificate from Key Vault without problems.`,
    { evidence, docLink: DOCS.customDomain },
  );
}

export function checkHostname(facts: Facts): Finding {
  if (!facts.apim.ok)
    return unknownFinding('CERT-HOSTNAME', STEP, 'Custom domains with Key Vault certificates', 'the API Management instance', facts.apim);
  return checkHostnamesOf(facts, facts.apim.value);
}

export function certificateChecks(facts: Facts, earlier: readonly Finding[]): Finding[] {
  return [
    checkIdFormat(facts),
    checkIdVersion(facts),
    checkCertIdentity(facts),
    checkExisting(facts),
    checkCreate(facts, earlier),
    checkVerify(facts),
    checkExpiry(facts),
    checkRefresh(facts, earlier),
    checkVersioned(facts),
    checkHostname(facts),
  ];
}
