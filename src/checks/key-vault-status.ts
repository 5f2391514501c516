// What a Key Vault reference's lastStatus failure points back to. API Management reports Key Vault's error in
// words (its lastStatus codes are undocumented), so the matcher works on Key Vault's and API Management's own
// documented wording; each pattern notes where the wording comes from. A message no pattern knows is shown verbatim
// and labelled unrecognised: never mapped to a step whose checks might all pass.
import type { KeyVaultStatusFacts } from './facts.ts';
import type { StepId } from './types.ts';

/** The part of the runbook a failure belongs to. */
export type FailureArea = 'firewall' | 'access' | 'prerequisites' | 'identifier' | 'certificate' | 'network' | 'tenant';

/** Where a failure is explained, in plain words, and the checks that explain it. */
export interface FailureExplanation {
  area: FailureArea;
  step: StepId;
  advice: string;
  /** The checks whose verdicts explain this failure (one of them should not pass). */
  checks: readonly string[];
  /** Where the wording matched comes from. */
  source: string;
}

interface Pattern {
  re: RegExp;
  area: FailureArea;
  step: StepId;
  checks: readonly string[];
  advice: string;
  source: string;
}

const KV_ERRORS = 'https://learn.microsoft.com/azure/key-vault/general/rest-error-codes';
const KV_ACCESS = 'https://learn.microsoft.com/azure/key-vault/general/troubleshooting-access-issues';
const KV_COMMON_ERRORS = 'https://learn.microsoft.com/azure/key-vault/general/common-error-codes';
const KV_NETWORK = 'https://learn.microsoft.com/azure/key-vault/general/network-security';
const KV_PRIVATE_LINK = 'https://learn.microsoft.com/azure/key-vault/general/private-link-diagnostics';
const APIM_CUSTOM_DOMAIN = 'https://learn.microsoft.com/azure/api-management/configure-custom-domain';
const APIM_MSI = 'https://learn.microsoft.com/azure/api-management/api-management-howto-use-managed-service-identity';

// First match wins, most specific first: the firewall's wording contains "not authorized", RBAC's contains "Forbidden".
const PATTERNS: readonly Pattern[] = [
  {
    // Key Vault sends "is not"; Learn's table writes it contracted ("isn't"): either is the firewall.
    re: /Client address (?:is not|isn't) authori[sz]ed and caller (?:is not|isn't) a trusted service|ForbiddenByFirewall/i,
    area: 'firewall',
    step: 'firewall',
    checks: ['FW-IDENTITY', 'FW-BYPASS', 'FW-LOS', 'VNET-KVRULE', 'VNET-PE'],
    advice:
      'the vault firewall refused API Management (its address is not allowed and it was not admitted as a trusted service): see step 3 (Key Vault firewall)',
    source: `${KV_COMMON_ERRORS} and ${KV_NETWORK} (Key Vault's firewall refusal, 403 ForbiddenByFirewall)`,
  },
  {
    re: /Public network access is disabled and request is not from a trusted service nor via an approved private link|ForbiddenByConnection/i,
    area: 'firewall',
    step: 'firewall',
    checks: ['FW-IDENTITY', 'FW-BYPASS', 'VNET-PE'],
    advice:
      'the vault has public network access disabled and did not admit API Management as a trusted service or through a private endpoint: see step 3 (Key Vault firewall)',
    source: `${KV_PRIVATE_LINK} (403 ForbiddenByConnection)`,
  },
  {
    re: /AKV10032|Invalid issuer/i,
    area: 'tenant',
    step: 'prerequisites',
    checks: ['PRE-TENANT'],
    advice: "the vault belongs to another Microsoft Entra tenant than API Management's identity: see step 1 (PRE-TENANT)",
    source: `${KV_ERRORS} (AKV10032: Invalid issuer)`,
  },
  {
    re: /Can ?not find Managed Identity with provided IdentityClientId|Managed Service Identity \(http:\/\/aka\.ms\/apimmsi\) is not enabled/i,
    area: 'prerequisites',
    step: 'prerequisites',
    checks: ['PRE-MI', 'CERT-IDENTITY'],
    advice:
      'the identity the reference names is not attached to API Management (or the system identity is off): see step 1 (Prerequisites)',
    source: `${APIM_MSI} (API Management's wording for a missing identity)`,
  },
  {
    re: /does not have secrets? get permission|ForbiddenByPolicy/i,
    area: 'access',
    step: 'access',
    checks: ['ACC-AP', 'ACC-MODEL'],
    advice: "the vault's access policies do not give the identity secrets get: see step 2 (Key vault access)",
    source: `${KV_ACCESS} (access policy refusal, 403 ForbiddenByPolicy)`,
  },
  {
    re: /Caller is not authori[sz]ed to perform action on resource|ForbiddenByRbac/i,
    area: 'access',
    step: 'access',
    checks: ['ACC-RBAC', 'ACC-MODEL'],
    advice: 'no role on the vault gives the identity getSecret (or a new grant has not propagated yet): see step 2 (Key vault access)',
    source: `${KV_ACCESS} (RBAC refusal, 403 ForbiddenByRbac)`,
  },
  {
    re: /only accepts KeyVault\s*Secrets\s*type/i,
    area: 'identifier',
    step: 'certificate',
    checks: ['CERT-ID-FORMAT'],
    advice: 'the identifier points at /certificates/; API Management reads /secrets/ (same name): see CERT-ID-FORMAT',
    source: `${APIM_CUSTOM_DOMAIN} (use the secret identifier)`,
  },
  {
    re: /Operation get is not allowed on a disabled secret|SecretDisabled/i,
    area: 'certificate',
    step: 'certificate',
    checks: ['REF-SECRET'],
    advice: 'the referenced secret version is disabled in Key Vault: enable it, or renew the certificate',
    source: `${KV_ERRORS} (Forbidden: operation not allowed on a disabled secret)`,
  },
  {
    re: /A secret with \(name\/id\) .* was not found|SecretNotFound/i,
    area: 'identifier',
    step: 'certificate',
    checks: ['REF-SECRET', 'CERT-ID-FORMAT'],
    advice: 'the identifier names a secret (or version) the vault does not have: check it, or recover a deleted certificate',
    source: `${KV_ERRORS} (SecretNotFound)`,
  },
  {
    // \b: the words, not the sandbox's own code InvalidContentType.
    re: /application\/x-pkcs12|\bcontent ?type/i,
    area: 'certificate',
    step: 'certificate',
    checks: ['REF-SECRET'],
    advice: 'the secret is not a PKCS#12 certificate (content type application/x-pkcs12): import it into Key Vault as a .pfx certificate',
    source: `${APIM_CUSTOM_DOMAIN} (the secret's content type must be application/x-pkcs12)`,
  },
  {
    // Wording only: "VaultNotFound" is the sandbox's own lastStatus code (Microsoft documents none), so it is not matched.
    re: /key vault .* could not be found|vault .* does not exist/i,
    area: 'prerequisites',
    step: 'prerequisites',
    checks: ['PRE-VAULT'],
    advice: 'the vault does not exist (or was deleted): see step 1 (PRE-VAULT)',
    source: `${APIM_CUSTOM_DOMAIN} (troubleshooting: the key vault exists)`,
  },
  {
    // "The remote name could not be resolved: '<vault host>'" is what API Management returned for a Key Vault
    // named value whose vault name did not resolve (https://github.com/Azure/azure-rest-api-specs/issues/21655); a
    // vault that does not exist has no DNS name, so PRE-VAULT explains it as well as an unlinked privatelink zone.
    re: /No such host is known|ENOTFOUND|EAI_AGAIN|name (?:could not|cannot) be resolved|getaddrinfo/i,
    area: 'network',
    step: 'network',
    checks: ['PRE-VAULT', 'VNET-PE'],
    advice:
      "API Management could not resolve the vault's name (DNS): the vault does not exist (PRE-VAULT), or, with a private endpoint, the privatelink zone is not linked to API Management's virtual network (VNET-PE)",
    source: `${KV_PRIVATE_LINK} (DNS resolution of the vault); wording: https://github.com/Azure/azure-rest-api-specs/issues/21655`,
  },
  {
    re: /network security group|\bNSG\b|timed out|timeout/i,
    area: 'network',
    step: 'network',
    checks: ['VNET-NSG-KV', 'VNET-NSG-AAD', 'VNET-UDR'],
    advice: 'API Management could not reach the vault over the network: see step 4 (Virtual network)',
    source: `${APIM_CUSTOM_DOMAIN} (troubleshooting: outbound to AzureKeyVault in a virtual network)`,
  },
];

/** Is a lastStatus a success? */
export function statusOk(status: KeyVaultStatusFacts | undefined): boolean {
  return status?.code.toLowerCase() === 'success';
}

/** Map a failed lastStatus to the checks that explain it; undefined when no documented wording matches. */
export function explainStatus(status: KeyVaultStatusFacts): FailureExplanation | undefined {
  const text = `${status.code} ${status.message ?? ''}`;
  const p = PATTERNS.find((r) => r.re.test(text));
  return p ? { area: p.area, step: p.step, advice: p.advice, checks: p.checks, source: p.source } : undefined;
}

/** The explanation, or the verbatim message labelled unrecognised. */
export function explainOrQuote(status: KeyVaultStatusFacts): string {
  const explained = explainStatus(status);
  if (explained) return explained.advice;
  // Verbatim: facts stay exact, and every output escapes remote text for its medium (src/checks/escape.ts).
  return `apimkv does not recognise this; the message was: ${status.code}${status.message ? `: ${status.message}` : ''}`;
}

/** One line for evidence: code, message and time. */
export function describeStatus(status: KeyVaultStatusFacts): string {
  return `${status.code}${status.message ? `: ${status.message}` : ''}${status.timeStampUtc ? ` (${status.timeStampUtc})` : ''}`;
}
