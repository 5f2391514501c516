// Every failure from the SDKs becomes one typed, secret-free AzureErrorInfo with a next step. The
// screens and the checks only ever see these kinds; nothing here carries a token or a request body.
import { wellFormed } from '../checks/escape.ts';
import { isRestError } from '@azure/core-rest-pipeline';
import type { AzureErrorInfo } from '../checks/ports.ts';
import { ApimkvError } from '../error-model.ts';
import { errorBodyOf } from './error-bodies.ts';
import { caCertHint, isTlsRefusal } from './tls-refusal.ts';

/** An Error carrying AzureErrorInfo's fields (kind, hint, missingAction …) for callers that throw. */
export class AzureCallError extends ApimkvError {
  override readonly name = 'AzureCallError';
  readonly info: AzureErrorInfo;
  readonly status?: number;
  readonly code?: string;
  readonly missingAction?: string;
  readonly retryAfterMs?: number;

  constructor(info: AzureErrorInfo) {
    super('azure', info.message, { hint: info.hint });
    this.info = info;
    this.status = info.status;
    this.code = info.code;
    this.missingAction = info.missingAction;
    this.retryAfterMs = info.retryAfterMs;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'REQUEST_SEND_ERROR',
]);

/** Strip anything that looks like a bearer token, and keep messages to a readable length. */
export function scrub(message: string): string {
  const cleaned = wellFormed(message)
    .replace(/Bearer\s+[\w.~+/=-]+/gi, 'Bearer [redacted]')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[token]')
    .trim();
  return cleaned.length > 600 ? `${cleaned.slice(0, 600)}…` : cleaned;
}

/** ARM's AuthorizationFailed wording: "... perform action 'X' over scope 'Y' ..." */
export function parseAuthorizationFailed(message: string): { action?: string; scope?: string } {
  // ARM: "... perform action 'X' over scope 'Y'"; Key Vault data plane: "... Action: 'X' Resource: 'Y'".
  const action = /perform action '([^']+)'/i.exec(message)?.[1] ?? /\bAction: '([^']+)'/.exec(message)?.[1];
  const scope = /over scope '([^']+)'/i.exec(message)?.[1] ?? /\bResource: '([^']+)'/.exec(message)?.[1];
  return { action, scope };
}

/** Key Vault's firewall wording: "... Client address: 203.0.113.7 ..." */
export function parseClientAddress(message: string): string | undefined {
  return /Client address:\s*([0-9a-fA-F.:]+)/.exec(message)?.[1];
}

/** The least-privileged built-in role that grants an ARM action (for hints). */
export function roleForAction(action: string): string {
  const a = action.toLowerCase();
  if (a.startsWith('microsoft.authorization/roleassignments/write')) {
    return 'Owner, User Access Administrator or Role Based Access Control Administrator (Key Vault Data Access Administrator can grant Key Vault Secrets User)';
  }
  if (
    a.startsWith('microsoft.keyvault/vaults/') &&
    (a.includes('/secrets/readmetadata') || /^microsoft\.keyvault\/vaults\/(certificates|secrets|keys)\/read$/.test(a))
  )
    return 'Key Vault Reader';
  if (a === 'microsoft.keyvault/vaults/secrets/getsecret/action') return 'Key Vault Secrets User';
  if (a.endsWith('/read')) return 'Reader';
  if (a.startsWith('microsoft.keyvault/')) return 'Key Vault Contributor';
  if (a.startsWith('microsoft.apimanagement/')) return 'API Management Service Contributor';
  if (a.startsWith('microsoft.network/privatednszones')) return 'Private DNS Zone Contributor';
  if (a.startsWith('microsoft.network/')) return 'Network Contributor';
  return 'a role that grants it';
}

/** Milliseconds from retry-after-ms, x-ms-retry-after-ms or Retry-After (seconds or HTTP date), in that order. */
export function retryAfterMsFrom(get: (name: string) => string | undefined, now = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = get(name);
    if (v !== undefined && v !== '' && Number.isFinite(Number(v))) return Math.max(0, Number(v));
  }
  const ra = get('retry-after');
  if (ra === undefined || ra === '') return undefined;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface BodyError {
  code?: string;
  message?: string;
  inner?: string;
}

function bodyError(text: string | undefined): BodyError {
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string; innererror?: { code?: string } } };
    const err = parsed.error;
    return { code: err?.code, message: err?.message, inner: err?.innererror?.code };
  } catch {
    return {};
  }
}

function errorName(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : undefined;
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** The vault a data-plane host names (`<vault>.vault.<cloud suffix>`, any cloud or the sandbox), else undefined. */
function vaultOfHost(host: string | undefined): string | undefined {
  return host ? /^([a-z0-9-]{3,24})\.vault\./i.exec(host)?.[1]?.toLowerCase() : undefined;
}

/**
 * A vault's name that does not resolve. Every vault has a public DNS name (<vault>.vault.azure.net in the public
 * cloud), so ENOTFOUND means it does not exist or was deleted; with a private endpoint, the operator's DNS may also
 * lack the privatelink record (https://learn.microsoft.com/azure/key-vault/general/private-link-diagnostics).
 */
function vaultDoesNotResolve(vault: string, host: string): AzureErrorInfo {
  return {
    kind: 'Network',
    code: 'ENOTFOUND',
    message: `The vault ${vault} does not resolve (${host.replace(/:\d+$/, '')}: ENOTFOUND): it does not exist or was deleted, or your DNS has no record for it.`,
    hint: `Check the name (az keyvault show --name ${vault}); a deleted vault is listed by az keyvault list-deleted and can be recovered (az keyvault recover --name ${vault}). Behind a private endpoint, resolve it from a network linked to the privatelink zone.`,
  };
}

/** Map anything an SDK call can throw to AzureErrorInfo. */
export function toAzureError(e: unknown): AzureErrorInfo {
  if (e instanceof AzureCallError) return e.info;
  const name = errorName(e);
  const rawMessage = scrub(e instanceof Error ? e.message : String(e));

  if (name === 'AbortError') return { kind: 'Aborted', message: 'The request was cancelled.' };
  if (
    name === 'SignInError' ||
    name === 'AuthenticationError' ||
    name === 'CredentialUnavailableError' ||
    name === 'AggregateAuthenticationError' ||
    name === 'AuthenticationRequiredError'
  ) {
    const hint =
      typeof e === 'object' && e !== null && 'hint' in e
        ? String((e as { hint: unknown }).hint)
        : 'Run "az login" (with --tenant <tenant> if needed), or use --device-code.';
    return { kind: 'Unknown', code: 'SignInFailed', message: rawMessage, hint };
  }

  if (isRestError(e)) {
    const status = e.statusCode ?? e.response?.status;
    const body = bodyError(e.response?.bodyAsText ?? errorBodyOf(e.request));
    const code = body.inner === 'ForbiddenByFirewall' || body.inner === 'ForbiddenByConnection' ? body.inner : (e.code ?? body.code);
    const message = scrub(body.message ?? e.message);
    const host = hostOf(e.request?.url);

    if (status === undefined) {
      const transport = code ?? 'REQUEST_SEND_ERROR';
      if (isTlsRefusal(transport))
        return {
          kind: 'Network',
          code: transport,
          message: `The TLS certificate of ${host ?? 'the endpoint'} was refused (${transport}).`,
          hint: caCertHint(false, transport),
        };
      const vault = transport === 'ENOTFOUND' ? vaultOfHost(host) : undefined;
      if (vault) return vaultDoesNotResolve(vault, host!);
      if (NETWORK_CODES.has(transport)) {
        const timeout = transport === 'ETIMEDOUT' || transport === 'ESOCKETTIMEDOUT';
        return {
          kind: 'Network',
          code: transport,
          message: timeout ? `No answer from ${host ?? 'Azure'} in time.` : `Could not reach ${host ?? 'Azure'} (${transport}).`,
          hint: 'Check the network path (VPN, proxy, DNS, firewall) and press r to re-check.',
        };
      }
      return { kind: 'Unknown', code: transport, message };
    }

    const base = { status, code, message };
    switch (true) {
      case status === 404:
        return {
          kind: 'NotFound',
          ...base,
          hint: 'Check the name, the resource group (--resource-group, --vault-resource-group) and the subscription (--subscription).',
        };
      case status === 401:
        return {
          kind: 'Unknown',
          ...base,
          hint: 'The sign-in was refused: run "az login" again (with --tenant <tenant> if the resource is in another tenant).',
        };
      case status === 403: {
        if (code === 'ForbiddenByFirewall' || /Client address is not authorized/i.test(message)) {
          const address = parseClientAddress(message);
          // Key Vault's wording runs to five lines (caller ids, issuer); the address is what matters.
          return {
            kind: 'Forbidden',
            ...base,
            message: `${message.split('\n')[0].trim()}${address ? ` Client address: ${address}` : ''}`,
            code: 'ForbiddenByFirewall',
            hint: `The key vault firewall blocks your address${address ? ` ${address}` : ''}: add a temporary IP rule in the Key Vault firewall step, or type the certificate identifier instead of picking it.`,
          };
        }
        if (code === 'ForbiddenByConnection' || /Public network access is disabled/i.test(message)) {
          return {
            kind: 'Forbidden',
            ...base,
            message: message.split('\n')[0].trim(),
            code: 'ForbiddenByConnection',
            hint: 'The vault has public network access disabled: only a private endpoint (or a trusted service) gets in, and no role or IP rule changes that. Connect through a private endpoint, or type the certificate identifier instead of picking it.',
          };
        }
        // Azure Policy denials (RequestDisallowedByPolicy) name the assignment; no role assignment lifts them.
        if (code === 'RequestDisallowedByPolicy') {
          const assignment =
            /policy assignment[^']*'([^']+)'/i.exec(message)?.[1] ?? /policyAssignments\/([^/"'\s,)]+)/i.exec(message)?.[1];
          return {
            kind: 'Forbidden',
            ...base,
            hint: `Azure Policy denies this change${assignment ? ` (assignment ${assignment})` : ''}: a role does not help. Ask the policy's owner for an exemption, or make the change in a way the policy allows.`,
          };
        }
        const { action, scope } = parseAuthorizationFailed(message);
        if (action) {
          return {
            kind: 'Forbidden',
            ...base,
            // Key Vault's RBAC refusal runs to a dozen lines (caller, assignment, decision reason).
            ...(code === 'Forbidden' || code === 'ForbiddenByRbac'
              ? { message: `${message.split('\n')[0].trim()} (needs ${action})` }
              : {}),
            missingAction: action,
            hint: `Ask for ${roleForAction(action)} on ${scope ?? 'the resource'} (needs ${action}); if it was just granted, wait a few minutes and sign in again.`,
          };
        }
        return {
          kind: 'Forbidden',
          ...base,
          hint: "You lack a permission here: on the data plane this is the vault's access policies or RBAC data roles for your account.",
        };
      }
      case status === 429:
        return {
          kind: 'Throttled',
          ...base,
          retryAfterMs: e.response ? retryAfterMsFrom((n) => e.response!.headers.get(n)) : undefined,
          hint: 'Azure is throttling requests: wait a moment and press r to re-check.',
        };
      case status === 409:
        return {
          kind: 'Conflict',
          ...base,
          hint:
            code === 'RoleAssignmentExists'
              ? 'An equal role assignment exists already.'
              : 'Another change is in progress on this resource: wait for it and try again.',
        };
      case status === 412:
        return {
          kind: 'PreconditionFailed',
          ...base,
          hint: 'Someone changed this resource since apimkv read it: re-check (r) and apply again.',
        };
      case status === 408 || status >= 500:
        return { kind: 'Transient', ...base, hint: 'Azure had a temporary problem: try again in a minute (r re-checks).' };
      case status === 400:
        return { kind: 'BadRequest', ...base, hint: 'Azure refused the request as sent; the message says why.' };
      default:
        return { kind: 'Unknown', ...base };
    }
  }

  const transport = errorCode(e);
  if (transport && NETWORK_CODES.has(transport)) {
    return {
      kind: 'Network',
      code: transport,
      message: rawMessage,
      hint: 'Check the network path (VPN, proxy, DNS, firewall) and press r to re-check.',
    };
  }
  return { kind: 'Unknown', message: rawMessage };
}
