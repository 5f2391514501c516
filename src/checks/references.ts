// References are the unit of diagnosis: every Key Vault reference of the instance (certificates, named values and
// custom-domain hostnames), each with the identity it really uses. Steps 2 and 3 run once for the pair a new
// certificate would use (the step checks) and again here for every other (identity, vault) pair the references on
// the target vault use, so "why does *this* certificate no longer refresh?" is answered for its own identity.
import { checkAccessPolicy, checkRbac } from './access.ts';
import { daysUntil } from './dates.ts';
import type { ApimFacts, Fact, Facts, KeyVaultStatusFacts, ReferencedSecretFacts, SecretVersionFacts, VaultFacts } from './facts.ts';
import { finding } from './finding.ts';
import { checkBypass, checkIdentity, checkLineOfSight, checkPublicAccessDisabled, checkState } from './firewall.ts';
import { parseSecretIdentifier } from './identifiers.ts';
import { makePlan } from './plan.ts';
import { referenceVerdicts, type InstanceIdentities } from './reference-rules.ts';
import { hasSystemIdentity, identityName, inVnet, pickIdentity, vaultPosture } from './posture.ts';
import { DOCS } from './steps.ts';
import type { Finding, FixPlan, Operation } from './types.ts';

const NAMED_VALUES_DOC = 'https://learn.microsoft.com/azure/api-management/api-management-howto-properties';

/** One Key Vault reference of the instance. */
export interface Reference {
  kind: 'certificate' | 'named value' | 'hostname';
  /** Certificate id, named value id, or host name. */
  name: string;
  secretIdentifier: string;
  /** Absent: the system-assigned identity. */
  identityClientId?: string;
  /** The identity by name: "apim-x (system identity)" or the user-assigned identity's resource name. */
  identity: string;
  lastStatus?: KeyVaultStatusFacts;
  /** Hostnames: Completed | Failed | InProgress. */
  certificateStatus?: string;
  expirationDate?: string;
  etag?: string;
}

/** The instance's identities as the shared reference rules read them. */
export function instanceIdentities(apim: ApimFacts): InstanceIdentities {
  return { hasSystemIdentity: hasSystemIdentity(apim), userAssignedClientIds: apim.identity.userAssigned.map((u) => u.clientId) };
}

/** "certificate backend-client", "named value db-password", "hostname api.contoso.com". */
export const referenceLabel = (r: Reference) => `${r.kind} ${r.name}`;

/** Every Key Vault reference that was read (certificates, named values, hostnames). */
export function referencesOf(facts: Facts): Reference[] {
  if (!facts.apim.ok) return [];
  const apim = facts.apim.value;
  const who = (clientId?: string) => ({ ...(clientId ? { identityClientId: clientId } : {}), identity: identityName(apim, clientId) });
  const certs = facts.apimCertificates.ok ? facts.apimCertificates.value : [];
  const nvs = facts.namedValues?.ok ? facts.namedValues.value : [];
  return [
    ...certs.flatMap((c) =>
      c.keyVault
        ? [
            {
              kind: 'certificate' as const,
              name: c.name,
              secretIdentifier: c.keyVault.secretIdentifier,
              ...who(c.keyVault.identityClientId),
              ...(c.keyVault.lastStatus ? { lastStatus: c.keyVault.lastStatus } : {}),
              ...(c.expirationDate ? { expirationDate: c.expirationDate } : {}),
              ...(c.etag ? { etag: c.etag } : {}),
            },
          ]
        : [],
    ),
    ...nvs.flatMap((v) =>
      v.keyVault
        ? [
            {
              kind: 'named value' as const,
              name: v.name,
              secretIdentifier: v.keyVault.secretIdentifier,
              ...who(v.keyVault.identityClientId),
              ...(v.keyVault.lastStatus ? { lastStatus: v.keyVault.lastStatus } : {}),
            },
          ]
        : [],
    ),
    ...apim.hostnameConfigurations.flatMap((h) =>
      h.keyVaultId
        ? [
            {
              kind: 'hostname' as const,
              name: h.hostName,
              secretIdentifier: h.keyVaultId,
              ...who(h.identityClientId),
              ...(h.certificateStatus ? { certificateStatus: h.certificateStatus } : {}),
              ...(h.expiry ? { expirationDate: h.expiry } : {}),
            },
          ]
        : [],
    ),
  ];
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Does the reference name a secret in this vault? */
export function onVault(ref: Pick<Reference, 'secretIdentifier'>, vault: VaultFacts): boolean {
  const host = hostOf(vault.vaultUri);
  return !!host && hostOf(ref.secretIdentifier) === host;
}

/** The lower-case versionless identifier the gather keys secret metadata by. */
export function secretKey(identifier: string): string | undefined {
  try {
    const url = new URL(identifier);
    const name = url.pathname.split('/').filter(Boolean)[1];
    return name ? `https://${url.hostname.toLowerCase()}/secrets/${name.toLowerCase()}` : undefined;
  } catch {
    return undefined;
  }
}

/** One (identity, vault) pair in use by references on the target vault. */
export interface IdentityPair {
  identityClientId?: string;
  identity: string;
  references: Reference[];
}

/** The pairs the references on the target vault (or the given one) use, system identity first. */
export function pairsInUse(facts: Facts, on?: VaultFacts): IdentityPair[] {
  const vault = on ?? (facts.vault.ok ? facts.vault.value : undefined);
  if (!vault) return [];
  const pairs = new Map<string, IdentityPair>();
  for (const ref of referencesOf(facts).filter((r) => onVault(r, vault))) {
    const key = (ref.identityClientId ?? '').toLowerCase();
    const pair = pairs.get(key) ?? {
      ...(ref.identityClientId ? { identityClientId: ref.identityClientId } : {}),
      identity: ref.identity,
      references: [],
    };
    pair.references.push(ref);
    pairs.set(key, pair);
  }
  return [...pairs.values()].sort((a, b) => (a.identityClientId ? 1 : 0) - (b.identityClientId ? 1 : 0));
}

/** The name of the identity the step checks evaluate (the new certificate's). */
export function newCertificateIdentity(facts: Facts, apim: ApimFacts): string | undefined {
  const picked = pickIdentity(facts, apim);
  return picked.kind === 'system' ? identityName(apim) : picked.kind === 'user' ? identityName(apim, picked.clientId) : undefined;
}

const slug = (name: string) => name.replace(/ \(system identity\)$/, '-system').replace(/[^A-Za-z0-9._-]+/g, '-');

/** "For certificate x (identity y, vault z): cause", leaving out the identity when the cause already names it. */
function forReferences(references: string, identity: string, vault: string | undefined, cause: string): string {
  const about = [cause.includes(identity) ? '' : `identity ${identity}`, vault ? `vault ${vault}` : ''].filter(Boolean);
  return `For ${references}${about.length ? ` (${about.join(', ')})` : ''}: ${cause}`;
}

/** A step check's finding, re-run for one pair: its own id (CHECK@identity, CHECK@identity@vault on another vault), title and fix ids, and what it is about. */
function forPair(f: Finding, pair: IdentityPair, vault: VaultFacts, other = false): Finding {
  const suffix = `@${slug(pair.identity)}${other ? `@${slug(vault.name)}` : ''}`;
  const fix: FixPlan | undefined = f.fix ? { ...f.fix, id: `${f.fix.id}${suffix}`, checkId: `${f.checkId}${suffix}` } : undefined;
  return {
    ...f,
    checkId: `${f.checkId}${suffix}`,
    title: `${f.title}: ${pair.identity}${other ? ` on ${vault.name}` : ''}`,
    cause: forReferences(pair.references.map(referenceLabel).join(', '), pair.identity, other ? vault.name : undefined, f.cause),
    // The pair's checks ran as if step 5 had chosen this identity: say who really uses it.
    evidence: f.evidence.map((e) =>
      e.replace(/\(chosen for the certificate in step 5\)/, `(used by ${pair.references.map(referenceLabel).join(', ')})`),
    ),
    about: { identity: pair.identity, vault: vault.name, references: pair.references.map(referenceLabel) },
    ...(fix ? { fix } : { fix: undefined }),
  };
}

/**
 * A vault-level check (step 4, REF-SECRET) re-run on another vault: CHECK@vault, its title and fix ids, and every
 * reference and identity that reads the vault. The network path and the secret do not depend on the identity, so these
 * run once per vault, not per pair.
 */
export function forVault(f: Finding, vault: VaultFacts, refs: Reference[], prefixCause = true): Finding {
  const suffix = `@${slug(vault.name)}`;
  const fix: FixPlan | undefined = f.fix ? { ...f.fix, id: `${f.fix.id}${suffix}`, checkId: `${f.checkId}${suffix}` } : undefined;
  const identities = [...new Set(refs.map((r) => r.identity))].join(', ');
  return {
    ...f,
    checkId: `${f.checkId}${suffix}`,
    title: `${f.title}: on ${vault.name}`,
    cause: prefixCause ? forReferences(refs.map(referenceLabel).join(', '), identities, vault.name, f.cause) : f.cause,
    about: { identity: identities, vault: vault.name, references: refs.map(referenceLabel) },
    ...(fix ? { fix } : { fix: undefined }),
  };
}

/** The other vaults that were read and that references name, with those references (keyed by host). */
export function otherVaultsInUse(facts: Facts): { host: string; vault: VaultFacts; refs: Reference[] }[] {
  const refs = referencesOf(facts);
  return Object.entries(facts.otherVaults ?? {}).flatMap(([host, fact]) => {
    if (!fact.ok) return [];
    const on = refs.filter((r) => onVault(r, fact.value));
    return on.length ? [{ host, vault: fact.value, refs: on }] : [];
  });
}

/**
 * The facts as another vault sees them: that vault, its own private endpoints, and the target among the other vaults
 * (a service endpoint planned for this vault cuts the target off too). The vault-level checks of steps 3 and 4 run
 * over these, so each other vault is judged by the target's own rules.
 */
export function seenFrom(facts: Facts, host: string, vault: VaultFacts): Facts {
  const pes = facts.otherVaultPrivateEndpoints?.[host];
  const target = facts.vault;
  return {
    ...facts,
    vault: { ok: true, value: vault },
    ...(pes ? { privateEndpoints: pes } : { privateEndpoints: undefined }),
    otherVaults: {
      ...(target.ok ? { [hostOf(target.value.vaultUri) ?? target.value.vaultUri]: target } : {}),
      ...Object.fromEntries(Object.entries(facts.otherVaults ?? {}).filter(([h]) => h !== host)),
    },
  };
}

/**
 * Step 3's vault-level checks on every other vault references read (any subscription), by the same rules as the
 * target's: the firewall's state, the trusted-services exception (which admits API Management's control plane:
 * https://learn.microsoft.com/azure/api-management/api-management-howto-use-managed-service-identity#requirements-for-key-vault-firewall),
 * the gateway's line of sight (the March 2026 retirement) and public access disabled; fixes act on that vault. A
 * check that does not apply there (skipped) is left out: the target's own rows already say what each one is.
 * FW-IDENTITY is per identity (pairChecks); FW-RETIRE, FW-CLIENTIP and its cleanup are the instance's and the
 * operator's, read on the target.
 */
export function otherVaultFirewallChecks(facts: Facts): Finding[] {
  if (!facts.apim.ok || !facts.vault.ok) return [];
  // The checks a cause points at are this vault's too (step 4 runs on it only in a virtual network).
  const named = inVnet(facts.apim.value) ? /\b(FW-LOS|VNET-SE|VNET-PE)\b(?!@)/g : /\b(FW-LOS)\b(?!@)/g;
  return otherVaultsInUse(facts).flatMap(({ host, vault, refs }) => {
    const on = seenFrom(facts, host, vault);
    return [checkState(on), checkBypass(on), checkLineOfSight(on), checkPublicAccessDisabled(on)]
      .filter((f) => f.status !== 'skipped')
      .map((f) => forVault({ ...f, cause: f.cause.replace(named, `$1@${slug(vault.name)}`) }, vault, refs));
  });
}

/** The system identity's grant on the vault, when it lacks one: the switch cannot be fetched without it. */
function systemAccessFirst(facts: Facts, vault: VaultFacts, ref: Reference): Operation[] {
  const asSystem: Facts = {
    ...facts,
    intent: { kind: 'keyVault', certificateId: ref.name, secretIdentifier: ref.secretIdentifier, identity: 'system' },
  };
  const access = vault.enableRbacAuthorization ? checkRbac(asSystem) : checkAccessPolicy(asSystem);
  return access.status === 'fail' && access.fix ? access.fix.operations : [];
}

/**
 * Switch a user-assigned pair's references to the system identity: each certificate a new PUT (same secret), each
 * custom-domain hostname a service PATCH without its identityClientId (every other hostname kept), each named value a
 * PUT as read without keyVault.identityClientId, then a refresh. Behind the
 * firewall only the system identity gets the trusted-services exception
 * (https://learn.microsoft.com/azure/api-management/api-management-howto-use-managed-service-identity#requirements-for-key-vault-firewall).
 * The system identity's access to the vault comes first when it is missing.
 */
function switchToSystem(facts: Facts, apim: ApimFacts, vault: VaultFacts, pair: IdentityPair, checkId: string): FixPlan | undefined {
  const certs = pair.references.filter((r) => r.kind === 'certificate');
  const hosts = pair.references.filter((r) => r.kind === 'hostname');
  const named = pair.references.filter((r) => r.kind === 'named value');
  if (!hasSystemIdentity(apim) || pair.references.length === 0) return undefined;
  const switches: Operation[] = [
    ...certs.map((r): Operation => ({
      kind: 'apim.putKeyVaultCertificate',
      apimId: apim.id,
      certificateId: r.name,
      secretIdentifier: r.secretIdentifier,
      ...(r.etag ? { ifMatch: r.etag } : {}),
    })),
    ...hosts.flatMap((r): Operation[] => {
      const config = apim.hostnameConfigurations.find((h) => h.hostName === r.name && h.keyVaultId === r.secretIdentifier);
      return config
        ? [
            {
              kind: 'apim.hostnameToSystemIdentity',
              apimId: apim.id,
              hostName: r.name,
              hostType: config.type,
              keyVaultId: r.secretIdentifier,
            },
          ]
        : [];
    }),
    ...named.map((r): Operation => ({
      kind: 'apim.namedValueToSystemIdentity',
      apimId: apim.id,
      namedValueId: r.name,
      secretIdentifier: r.secretIdentifier,
    })),
  ];
  const switched = [...certs, ...hosts, ...named];
  const grant = systemAccessFirst(facts, vault, switched[0]!);
  return makePlan(checkId, facts, {
    title: `Switch ${switched.map((r) => `${r.kind === 'certificate' ? '' : `${r.kind} `}"${r.name}"`).join(', ')} to ${identityName(apim)}`,
    operations: [...grant, ...switches],
    disruption: `${switched.map(referenceLabel).join(', ')} ${switched.length === 1 ? 'reads' : 'read'} ${vault.name} with ${identityName(apim)} from now on${grant.length ? ', granted first' : ''}; policies and domains that use ${switched.length === 1 ? 'it' : 'them'} switch as soon as API Management has fetched the secret.${hosts.length ? ' Every other hostname configuration is sent back as it is.' : ''}${named.length ? ' Named values keep their display name, secret flag and tags, and are refreshed.' : ''}`,
    ...(grant.length ? { propagation: 'rbac' as const } : {}),
  });
}

/**
 * Steps 2 and 3 for every (identity, vault) pair in use other than the new certificate's: on the target vault, and on
 * every other vault a reference names (any subscription). An unreadable other vault gets one finding naming the read
 * it needs and the role that grants it, and no fix (nothing is written for what cannot be read).
 */
export function pairChecks(facts: Facts): Finding[] {
  if (!facts.apim.ok || !facts.vault.ok) return [];
  const apim = facts.apim.value;
  const evaluated = newCertificateIdentity(facts, apim);
  const out = checksOn(
    facts,
    apim,
    facts.vault.value,
    pairsInUse(facts).filter((p) => p.identity !== evaluated),
    false,
  );
  for (const [host, fact] of Object.entries(facts.otherVaults ?? {})) {
    if (!fact.ok) {
      out.push(unreadVault(facts, host, fact));
      continue;
    }
    const pairs = pairsInUse(facts, fact.value);
    if (pairs.length === 0) continue;
    const onOther: Facts = {
      ...facts,
      vault: fact,
      vaultRoleAssignments: facts.otherVaultRoleAssignments?.[host] ?? {
        ok: false,
        unknown: 'Error',
        message: `The role assignments on ${fact.value.name} were not read.`,
      },
    };
    out.push(...checksOn(onOther, apim, fact.value, pairs, true));
  }
  return out;
}

/**
 * The check id of the REF-VAULT finding for the vault this identifier names, when that vault could not be read: such a
 * reference is neither diagnosed nor written to (not even refreshed), per issue 13's "nothing is written for a
 * reference whose identity or vault cannot be read".
 */
export function unreadableVaultCheck(facts: Facts, secretIdentifier: string): string | undefined {
  const host = hostOf(secretIdentifier);
  const fact = host ? facts.otherVaults?.[host] : undefined;
  return host && fact && !fact.ok ? `REF-VAULT@${slug(host)}` : undefined;
}

/** REF-VAULT@host: a vault a reference names that could not be read; says which read is missing and who grants it. */
function unreadVault(facts: Facts, host: string, fact: Extract<Fact<VaultFacts>, { ok: false }>): Finding {
  const refs = referencesOf(facts).filter((r) => hostOf(r.secretIdentifier) === host);
  return {
    ...finding(
      'REF-VAULT',
      'access',
      'unknown',
      `The vault ${host} the references read`,
      `Not diagnosed, nothing written: ${refs.map((r) => `${referenceLabel(r)} (identity ${r.identity})`).join(', ')} ${refs.length === 1 ? 'reads' : 'read'} ${host}, which could not be read. ${fact.message.split(/\r?\n/)[0]}`,
      {
        evidence: refs.map((r) => `${referenceLabel(r)}: ${r.secretIdentifier}`),
        missingAction: fact.missingAction ?? 'Microsoft.KeyVault/vaults/read',
        docLink: DOCS.rbacRoles,
      },
    ),
    checkId: `REF-VAULT@${slug(host)}`,
    about: { identity: [...new Set(refs.map((r) => r.identity))].join(', '), vault: host, references: refs.map(referenceLabel) },
  };
}

/** Steps 2 and 3 on one vault for the given pairs. */
function checksOn(facts: Facts, apim: ApimFacts, vault: VaultFacts, pairs: IdentityPair[], other: boolean): Finding[] {
  const out: Finding[] = [];
  for (const pair of pairs) {
    const uai = pair.identityClientId
      ? apim.identity.userAssigned.find((u) => u.clientId.toLowerCase() === pair.identityClientId!.toLowerCase())
      : undefined;
    // The audit's rules (reference-rules.ts) decide what is wrong with the pair's identity on this vault.
    const rules = new Set(
      referenceVerdicts(pair.references[0]!, instanceIdentities(apim), vaultPosture(vault), facts.context.now, 0).map((v) => v.rule),
    );
    if (pair.identityClientId && rules.has('no-identity')) {
      out.push(
        forPair(
          finding(
            'PRE-MI',
            'prerequisites',
            'fail',
            'The identity the references use is attached',
            `the client id ${pair.identityClientId} names no user-assigned identity attached to ${apim.name}: API Management cannot read the vault for them. Re-add them with an attached identity (apimkv add-cert --identity system).`,
            { docLink: DOCS.identity },
          ),
          pair,
          vault,
          other,
        ),
      );
      continue;
    }
    if (!pair.identityClientId && !hasSystemIdentity(apim)) continue; // PRE-MI already fails for the system identity.
    const asPair: Facts = {
      ...facts,
      intent: {
        kind: 'keyVault',
        certificateId: pair.references[0]!.name,
        secretIdentifier: pair.references[0]!.secretIdentifier,
        identity: uai ? { userAssignedId: uai.id } : 'system',
      },
    };
    const behindFirewall = rules.has('uai-behind-firewall') && !!uai;
    if (behindFirewall) {
      // Granting a user-assigned identity behind the firewall cannot help: the exception admits only the system identity.
      const id = vault.enableRbacAuthorization ? 'ACC-RBAC' : 'ACC-AP';
      out.push(
        forPair(
          finding(
            id,
            'access',
            'skipped',
            vault.enableRbacAuthorization
              ? 'Role assignment for the identity (getSecret)'
              : 'Access policy for the identity (secrets get, list)',
            'Not evaluated: behind the vault firewall only the system-assigned identity is admitted, so a grant to this identity cannot help (see FW-IDENTITY).',
          ),
          pair,
          vault,
          other,
        ),
      );
    } else {
      out.push(forPair(vault.enableRbacAuthorization ? checkRbac(asPair) : checkAccessPolicy(asPair), pair, vault, other));
    }
    const fw = forPair(checkIdentity(asPair), pair, vault, other);
    if (fw.status === 'fail' && uai) {
      const fix = switchToSystem(facts, apim, vault, pair, fw.checkId);
      out.push({
        ...fw,
        cause: `${pair.references.map(referenceLabel).join(', ')} ${pair.references.length === 1 ? 'reads' : 'read'} ${vault.name} with the user-assigned identity ${pair.identity}, but behind the vault firewall only the system-assigned identity gets the trusted-services exception: ${fix ? `switch ${pair.references.length === 1 ? 'it' : 'them'} to ${identityName(apim)} (granted in step 2)` : hasSystemIdentity(apim) ? 'switch them to the system identity in the portal' : 'enable the system-assigned identity (PRE-MI), grant it (step 2) and switch them to it'}.`,
        ...(fix ? { fix } : { fix: fw.fix }),
      });
    } else out.push(fw);
  }
  return out;
}

/** The version a reference reads: the one it names, else the current (last created) one. */
function versionRead(
  identifier: string,
  secret: ReferencedSecretFacts,
  suffix: string,
): { version?: SecretVersionFacts; named?: string; current?: SecretVersionFacts } {
  const parsed = parseSecretIdentifier(identifier, suffix);
  const byCreated = [...secret.versions].sort((a, b) => Date.parse(a.created ?? '') - Date.parse(b.created ?? ''));
  const current = byCreated[byCreated.length - 1];
  const named = parsed.ok ? parsed.version : undefined;
  const version = named ? secret.versions.find((v) => v.version.toLowerCase() === named.toLowerCase()) : current;
  return { ...(version ? { version } : {}), ...(named ? { named } : {}), ...(current ? { current } : {}) };
}

/** What is wrong with the secret version a reference (or the step-5 intent) reads; undefined when nothing. */
export function secretProblem(
  facts: Facts,
  identifier: string,
  purpose: 'certificate' | 'secret',
): { status: 'fail' | 'unknown'; text: string } | undefined {
  const key = secretKey(identifier);
  const fact = key ? facts.referencedSecrets?.[key] : undefined;
  if (!fact) return undefined;
  if (!fact.ok)
    return { status: 'unknown', text: `its secret's metadata could not be read (${unreadSecretText(facts, identifier, fact)})` };
  const { version, named } = versionRead(identifier, fact.value, facts.context.kvDnsSuffix);
  if (!version)
    return {
      status: 'fail',
      text: named ? `it names version ${named}, which ${fact.value.name} does not have` : `${fact.value.name} has no versions`,
    };
  if (!version.enabled) return { status: 'fail', text: `the version it reads (${version.version.slice(0, 8)}…) is disabled in Key Vault` };
  if (purpose === 'certificate' && version.contentType !== 'application/x-pkcs12') {
    return {
      status: 'fail',
      text: `the secret's content type is ${version.contentType ?? '(none)'}, not application/x-pkcs12: API Management takes only PKCS#12 (.pfx) certificates (a PEM secret cannot be used); import the certificate into Key Vault as .pfx and re-add the reference`,
    };
  }
  const days = daysUntil(version.expiresOn, facts.context.now);
  if (days !== undefined && days < 0)
    return { status: 'fail', text: `the version it reads expired on ${version.expiresOn!.slice(0, 10)} in Key Vault` };
  return undefined;
}

/** The vault a Key Vault identifier names, among the target and the other vaults read. */
function vaultOfIdentifier(facts: Facts, identifier: string): VaultFacts | undefined {
  const host = hostOf(identifier);
  const all = [facts.vault, ...Object.values(facts.otherVaults ?? {})];
  return all.flatMap((f) => (f.ok && hostOf(f.value.vaultUri) === host ? [f.value] : []))[0];
}

/**
 * Why a secret's metadata could not be read, with what would let the operator read it: the vault's network (the address
 * it refused, or public access off; https://learn.microsoft.com/azure/key-vault/general/network-security), else the
 * data action and who grants it in the vault's permission model
 * (https://learn.microsoft.com/azure/key-vault/general/rbac-guide: Key Vault Reader reads secret metadata).
 */
function unreadSecretText(facts: Facts, identifier: string, fact: Extract<Fact<ReferencedSecretFacts>, { ok: false }>): string {
  const vault = vaultOfIdentifier(facts, identifier);
  const name = vault?.name ?? hostOf(identifier) ?? 'the vault';
  const first = fact.message.split(/\r?\n/)[0];
  if (fact.firewall?.publicAccessDisabled)
    return `${first}; ${name} has public network access disabled: read it from a network its private endpoint serves`;
  if (fact.firewall)
    return `${first}; ${name}'s firewall refuses your address${fact.firewall.clientAddress ? ` ${fact.firewall.clientAddress}` : ''}: add ${fact.firewall.clientAddress ? `${fact.firewall.clientAddress}/32` : 'your public IPv4 address'} to its IP rules, or run apimkv from a network it admits`;
  if (!fact.missingAction) return first ?? '';
  return vault && !vault.enableRbacAuthorization
    ? `${first}; needs an access policy on ${name} with secrets list for you`
    : `${first}${first?.includes(fact.missingAction) ? '' : `; needs ${fact.missingAction}`}, e.g. Key Vault Reader on ${name}`;
}

/** The unexpired version a refresh (versionless) or a re-add (pinned to an older one) would bring, if Key Vault has one. */
export function renewedVersion(facts: Facts, identifier: string): SecretVersionFacts | undefined {
  const key = secretKey(identifier);
  const fact = key ? facts.referencedSecrets?.[key] : undefined;
  if (!fact?.ok) return undefined;
  const { version, named, current } = versionRead(identifier, fact.value, facts.context.kvDnsSuffix);
  // Pinned: a newer current version is the renewal. Versionless: the current version is what a refresh would fetch.
  if (!current || !current.enabled || (named && current === version)) return undefined;
  const days = daysUntil(current.expiresOn, facts.context.now);
  return days === undefined || days >= 0 ? current : undefined;
}

/** REF-SECRET: the secret each reference on the target vault reads is there, enabled, unexpired and (for certificates) PKCS#12. */
export function checkReferencedSecrets(facts: Facts): Finding {
  if (!facts.vault.ok)
    return finding('REF-SECRET', 'certificate', 'skipped', SECRETS_TITLE, 'The vault could not be read (PRE-VAULT).', {
      docLink: DOCS.customDomain,
    });
  // The network refuses the operator (not a missing role): the references' own last status is the evidence then.
  const blocked = facts.operatorDataPlane.ok && facts.operatorDataPlane.value.status === 'firewall';
  return secretsOn(facts, facts.vault.value, blocked, true);
}

/** REF-SECRET@vault for every other vault references read (any subscription), by the same rules as the target's. */
export function otherVaultSecretChecks(facts: Facts): Finding[] {
  return otherVaultsInUse(facts).map(({ vault, refs }) => forVault(secretsOn(facts, vault, false, false), vault, refs, false));
}

const SECRETS_TITLE = 'The secrets the references read (content type, enabled, expiry)';

function secretsOn(facts: Facts, vault: VaultFacts, operatorBlocked: boolean, target: boolean): Finding {
  const title = SECRETS_TITLE;
  const docLink = DOCS.customDomain;
  const refs = referencesOf(facts).filter((r) => onVault(r, vault));
  if (refs.length === 0)
    return finding('REF-SECRET', 'certificate', 'skipped', title, `No reference of API Management reads ${vault.name}.`, { docLink });
  const problems = refs.flatMap((r) => {
    const p = secretProblem(facts, r.secretIdentifier, r.kind === 'named value' ? 'secret' : 'certificate');
    return p ? [{ r, ...p }] : [];
  });
  const evidence = refs.map((r) => `${referenceLabel(r)} (identity ${r.identity}): ${r.secretIdentifier}`);
  const fails = problems.filter((p) => p.status === 'fail');
  if (fails.length) {
    return finding(
      'REF-SECRET',
      'certificate',
      'fail',
      title,
      `${fails.map((p) => `${referenceLabel(p.r)} (identity ${p.r.identity}) on ${vault.name}: ${p.text}`).join('; ')}. A refresh cannot help: the secret (or the reference) must change.`,
      { evidence, docLink },
    );
  }
  if (problems.length && operatorBlocked)
    return finding(
      'REF-SECRET',
      'certificate',
      'info',
      title,
      `Not checked: the vault's firewall refuses you on the data plane (FW-CLIENTIP), so the secrets' metadata cannot be read from here; API Management's own last status of each reference is the evidence.`,
      { evidence, docLink },
    );
  if (problems.length) {
    // A firewall refusal needs an address admitted, not a role: name the data action only when a role is what is missing.
    const unread = refs.flatMap((r) => {
      const key = secretKey(r.secretIdentifier);
      const fact = key ? facts.referencedSecrets?.[key] : undefined;
      return fact && !fact.ok ? [fact] : [];
    });
    const byRole = unread.some((f) => !f.firewall && f.missingAction);
    return finding(
      'REF-SECRET',
      'certificate',
      'unknown',
      title,
      `Could not check ${problems.map((p) => `${referenceLabel(p.r)}: ${p.text}`).join('; ')}.`,
      { evidence, docLink, ...(byRole ? { missingAction: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action' } : {}) },
    );
  }
  // Another vault's secrets are read with it, so a key missing there means not read (the target's list predates them).
  const unreadKey = (r: Reference) => !facts.referencedSecrets?.[secretKey(r.secretIdentifier) ?? ''];
  if (!facts.referencedSecrets || (!target && refs.some(unreadKey)))
    return finding('REF-SECRET', 'certificate', 'unknown', title, "Could not check: the referenced secrets' metadata was not read.", {
      evidence,
      docLink,
    });
  return finding(
    'REF-SECRET',
    'certificate',
    'pass',
    title,
    `The secret${refs.length === 1 ? '' : 's'} ${refs.length === 1 ? 'is' : 'are'} present, enabled and unexpired${refs.some((r) => r.kind !== 'named value') ? ', certificates as PKCS#12' : ''}.`,
    { evidence, docLink },
  );
}

/** REF-NAMED-VALUE: named values from Key Vault, each with its identity and last status. */
export function checkNamedValues(
  facts: Facts,
  explain: (s: KeyVaultStatusFacts, identity: string, secretIdentifier: string) => string,
  /** The explaining checks when none of them has a fix (a refresh cannot help until they change). */
  unfixable: (s: KeyVaultStatusFacts, identity: string, secretIdentifier: string) => string[] = () => [],
  cannotHelp: (blocked: { name: string; causes: string[] }[]) => string = () => '',
): Finding {
  const title = 'Named values from Key Vault refresh successfully';
  const docLink = NAMED_VALUES_DOC;
  if (!facts.namedValues) return finding('REF-NAMED-VALUE', 'certificate', 'skipped', title, 'Named values were not read.', { docLink });
  if (!facts.namedValues.ok)
    return finding(
      'REF-NAMED-VALUE',
      'certificate',
      'unknown',
      title,
      `Could not list named values: ${facts.namedValues.message.split(/\r?\n/)[0]}.`,
      { docLink, ...(facts.namedValues.missingAction ? { missingAction: facts.namedValues.missingAction } : {}) },
    );
  const refs = referencesOf(facts).filter((r) => r.kind === 'named value');
  if (refs.length === 0)
    return finding('REF-NAMED-VALUE', 'certificate', 'skipped', title, 'No named value comes from Key Vault.', { docLink });
  const failing = refs.filter((r) => r.lastStatus && r.lastStatus.code.toLowerCase() !== 'success');
  const unread = failing.filter((r) => unreadableVaultCheck(facts, r.secretIdentifier));
  const blocked = failing
    .filter((r) => !unread.includes(r))
    .map((r) => ({ r, name: r.name, causes: unfixable(r.lastStatus!, r.identity, r.secretIdentifier) }))
    .filter((b) => b.causes.length);
  const refreshable = failing.filter((r) => !unread.includes(r) && !blocked.some((b) => b.r === r));
  const evidence = refs.map(
    (r) =>
      `${r.name} (identity ${r.identity}): ${r.lastStatus ? `${r.lastStatus.code}${r.lastStatus.timeStampUtc ? ` (${r.lastStatus.timeStampUtc})` : ''}` : 'no status yet'}${r.lastStatus && failing.includes(r) ? ` -> ${explain(r.lastStatus, r.identity, r.secretIdentifier)}` : ''}`,
  );
  if (failing.length === 0)
    return finding(
      'REF-NAMED-VALUE',
      'certificate',
      'pass',
      title,
      `${refs.length} named value${refs.length === 1 ? '' : 's'} from Key Vault last refreshed successfully.`,
      { evidence, docLink },
    );
  const apimId = facts.apim.ok ? facts.apim.value.id : undefined;
  const fix =
    apimId && refreshable.length
      ? makePlan('REF-NAMED-VALUE', facts, {
          title: `Refresh ${refreshable.map((r) => `"${r.name}"`).join(', ')} from Key Vault`,
          operations: refreshable.map((r) => ({ kind: 'apim.refreshNamedValue', apimId, namedValueId: r.name })),
          disruption: 'None: API Management keeps the cached value if the refresh fails again.',
        })
      : undefined;
  return finding(
    'REF-NAMED-VALUE',
    'certificate',
    'fail',
    title,
    `${failing.map((r) => r.name).join(', ')} failed to refresh from Key Vault; API Management keeps the cached value. Fix the cause shown below, then refresh (otherwise API Management retries within four hours).${cannotHelp(blocked)}${unreadText(facts, unread)}`,
    { evidence, docLink, ...(fix ? { fix } : {}) },
  );
}

/** " Nothing is refreshed for x: its vault could not be read (REF-VAULT@host)." for the references on unreadable vaults. */
export function unreadText(facts: Facts, refs: readonly { name: string; secretIdentifier: string }[]): string {
  if (refs.length === 0) return '';
  const checks = [...new Set(refs.map((r) => unreadableVaultCheck(facts, r.secretIdentifier)))].join(', ');
  return ` Nothing is refreshed for ${refs.map((r) => r.name).join(', ')}: ${refs.length === 1 ? 'its vault' : 'their vaults'} could not be read (${checks}).`;
}
