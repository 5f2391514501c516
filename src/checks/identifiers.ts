// Key Vault secret identifiers as API Management wants them: https://<vault><suffix>/secrets/<name>[/<version>].
// The SDK's own parser does not check the collection segment and accepts a trailing slash as an empty
// version, so the runbook validates identifiers itself and says exactly what is wrong.

/** Key Vault DNS suffixes by cloud, to name the cloud when an identifier belongs to another one. */
const KNOWN_SUFFIXES: readonly { suffix: string; cloud: string; switchWith?: string }[] = [
  { suffix: '.vault.azure.net', cloud: 'Azure (public)', switchWith: '--cloud AzureCloud' },
  { suffix: '.vault.azure.cn', cloud: 'Azure China', switchWith: '--cloud AzureChinaCloud' },
  { suffix: '.vault.usgovcloudapi.net', cloud: 'Azure US Government', switchWith: '--cloud AzureUSGovernment' },
  { suffix: '.vault.microsoftazure.de', cloud: 'Azure Germany (closed)' },
  { suffix: '.vault.localhost', cloud: 'the apimkv sandbox', switchWith: '--sandbox' },
];

/** A valid identifier, taken apart and normalised. */
export interface SecretIdentifier {
  ok: true;
  vaultName: string;
  /** Host without port, lower-cased. */
  host: string;
  name: string;
  version?: string;
  /** https://<host>/secrets/<name>[/<version>]: the form to send. */
  normalised: string;
  /** https://<host>/secrets/<name>: auto-rotates. */
  versionless: string;
  /** What normalisation changed (e.g. /certificates/ rewritten); empty when the input was already normal. */
  changes: string[];
  /** True when the input used /certificates/ (API Management rejects that: "only accepts KeyVault Secrets type"). */
  wasCertificateUrl: boolean;
}

/** Why an identifier cannot be used. */
export interface InvalidIdentifier {
  ok: false;
  error: string;
}

export type ParsedSecretIdentifier = SecretIdentifier | InvalidIdentifier;

const VAULT_NAME = /^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-)){1,22}[a-zA-Z0-9]$/;
const OBJECT_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const VERSION = /^[0-9a-fA-F]{32}$/;

const fail = (error: string): InvalidIdentifier => ({ ok: false, error });

/**
 * Parse and normalise a secret identifier for the cloud whose Key Vault DNS suffix is `kvDnsSuffix`
 * (e.g. ".vault.azure.net"). A port (the sandbox's vault hosts have one) is accepted and dropped.
 */
export function parseSecretIdentifier(input: string, kvDnsSuffix: string): ParsedSecretIdentifier {
  const text = input.trim();
  if (text === '') return fail('The identifier is empty: expected https://<vault>' + kvDnsSuffix + '/secrets/<name>.');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`"${text}" is not a URL: expected https://<vault>${kvDnsSuffix}/secrets/<name>.`);
  }
  if (url.protocol !== 'https:') return fail(`Key Vault identifiers use https, not ${url.protocol.replace(':', '')}.`);
  if (url.username || url.password) return fail('The identifier must not contain user information.');
  if (url.search || url.hash)
    return fail(
      `The identifier must not have a query string or fragment (${url.search}${url.hash}): API Management takes https://<vault>${kvDnsSuffix}/secrets/<name> with nothing after it.`,
    );
  const host = url.hostname.toLowerCase();
  const suffix = kvDnsSuffix.toLowerCase();
  if (/\.privatelink\./.test(host)) {
    return fail(
      `Use the vault's public name (<vault>${kvDnsSuffix}), not its privatelink host ${host}: the private DNS zone maps the public name to the private endpoint.`,
    );
  }
  if (!host.endsWith(suffix)) {
    const other = KNOWN_SUFFIXES.find((k) => host.endsWith(k.suffix));
    return fail(
      other
        ? `The vault ${host} is in ${other.cloud} (${other.suffix}), but this run is connected to a cloud whose vaults end in ${kvDnsSuffix}: ${other.switchWith ? `run apimkv with ${other.switchWith}` : 'that cloud is closed, so use a vault in this cloud'}${other.switchWith ? ', or use a vault in this cloud' : ''}.`
        : `${host} is not a Key Vault host in this cloud: vault hosts end in ${kvDnsSuffix}.`,
    );
  }
  const vaultName = host.slice(0, host.length - suffix.length);
  if (!VAULT_NAME.test(vaultName)) {
    return fail(`"${vaultName}" is not a valid vault name (3-24 letters, digits and single hyphens, starting with a letter).`);
  }
  const changes: string[] = [];
  if (url.port) changes.push(`dropped the port :${url.port}`);
  let path = url.pathname;
  if (path.length > 1 && path.endsWith('/')) {
    path = path.replace(/\/+$/, '');
    changes.push('removed the trailing slash');
  }
  if (path === '/' || path === '') return fail(`The identifier has no path: expected https://${host}/secrets/<name>.`);
  const segments = path.split('/').slice(1);
  const [collection, name, version, ...rest] = segments;
  if (segments.some((s) => s === '')) return fail('The path has an empty segment ("//"): expected /secrets/<name>[/<version>].');
  const kind = collection.toLowerCase();
  if (kind !== 'secrets' && kind !== 'certificates') {
    return fail(`The path starts with /${collection}/: API Management reads certificates through /secrets/<name>.`);
  }
  if (!name) return fail(`The identifier names no ${kind === 'secrets' ? 'secret' : 'certificate'}: expected /secrets/<name>.`);
  if (rest.length) return fail(`Too many path segments after /${collection}/${name}: expected /secrets/<name>[/<version>].`);
  if (!OBJECT_NAME.test(name)) return fail(`"${name}" is not a valid Key Vault object name (1-127 letters, digits and hyphens).`);
  if (version !== undefined && !VERSION.test(version)) return fail(`"${version}" is not a Key Vault version (32 hexadecimal characters).`);
  const wasCertificateUrl = kind === 'certificates';
  if (wasCertificateUrl) changes.push('rewrote /certificates/ to /secrets/ (API Management only accepts the secret endpoint)');
  if (collection !== kind) changes.push(`lower-cased /${collection}/`);
  const versionless = `https://${host}/secrets/${name}`;
  return {
    ok: true,
    vaultName,
    host,
    name,
    ...(version ? { version: version.toLowerCase() } : {}),
    normalised: version ? `${versionless}/${version.toLowerCase()}` : versionless,
    versionless,
    changes,
    wasCertificateUrl,
  };
}

/** The vault host of a vault URI ("https://kv.vault.azure.net/" -> "kv.vault.azure.net"), port dropped. */
export function vaultHost(vaultUri: string): string | undefined {
  try {
    return new URL(vaultUri).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Does a (possibly versioned) identifier carry a version? Unparseable identifiers count as not versioned. */
export function isVersioned(identifier: string, kvDnsSuffix: string): boolean {
  const parsed = parseSecretIdentifier(identifier, kvDnsSuffix);
  return parsed.ok && parsed.version !== undefined;
}

/** What the operator typed or picked in the wizard, understood by the same rules as the CLI's --secret-id. */
export type ParsedIdentifierInput =
  { ok: true; versionless: string; name: string; version?: string; host: string; note?: string } | { ok: false; reason: string };

/**
 * A full secret identifier (parsed by parseSecretIdentifier, so the wizard and the CLI accept and refuse the
 * same inputs), or a bare secret name resolved against the run's vault.
 */
export function parseIdentifierInput(input: string, kvDnsSuffix: string, vaultUri?: string): ParsedIdentifierInput {
  const text = input.trim();
  if (text === '')
    return { ok: false, reason: `Type a secret identifier (https://<vault>${kvDnsSuffix}/secrets/<name>) or a secret name.` };
  let full = text;
  if (OBJECT_NAME.test(text)) {
    const host = vaultUri ? vaultHost(vaultUri) : undefined;
    if (!host) return { ok: false, reason: 'The vault has not been read, so a bare name cannot be resolved: type the full identifier.' };
    full = `https://${host}/secrets/${text}`;
  }
  const parsed = parseSecretIdentifier(full, kvDnsSuffix);
  if (!parsed.ok) return { ok: false, reason: parsed.error };
  const note = parsed.changes.length ? `Normalised: ${parsed.changes.join('; ')}.` : undefined;
  return {
    ok: true,
    versionless: parsed.versionless,
    name: parsed.name,
    host: parsed.host,
    ...(parsed.version ? { version: parsed.version } : {}),
    ...(note ? { note } : {}),
  };
}

/** The identifier as it will be sent: versionless unless the operator chose to keep the version. */
export function identifierToUse(parsed: Extract<ParsedIdentifierInput, { ok: true }>, keepVersion: boolean): string {
  return keepVersion && parsed.version ? `${parsed.versionless}/${parsed.version}` : parsed.versionless;
}
