// Turns whatever the engine rejected with into plain words for the screen: what happened and what to do
// next. Engine errors are Errors with a message, sometimes carrying AzureErrorInfo-like fields.
import { oneLine } from '../checks/escape.ts';
import type { AzureErrorInfo } from '../checks/ports.ts';

/** An error as the screens show it: one line of what happened, and (when known) what to do next. */
export interface ErrorView {
  what: string;
  hint?: string;
}

type ErrorLike = Partial<AzureErrorInfo> & { message?: string; statusCode?: number; info?: Partial<AzureErrorInfo> };

/** Plain words for a failure. Never includes anything but the error's own message and hint fields. */
export function describeError(error: unknown): ErrorView {
  // Azure's messages can span lines; a screen line must never be forged by one.
  const view = describe(error);
  return 'hint' in view
    ? { what: oneLine(view.what), hint: view.hint === undefined ? undefined : oneLine(view.hint) }
    : { what: oneLine(view.what) };
}

function describe(error: unknown): ErrorView {
  if (typeof error !== 'object' || error === null) return { what: String(error) };
  const outer = error as ErrorLike;
  // Some callers wrap the typed info in an Error; prefer the typed fields wherever they are.
  const e: ErrorLike = { ...outer, ...(outer.info ?? {}) };
  const message = (e.message ?? outer.message ?? 'Unknown error').trim();
  const status = e.status ?? outer.statusCode;
  // A policy or network refusal is not a missing permission: say what refused it (the hint says what to do).
  if (e.code === 'RequestDisallowedByPolicy') return { what: `Denied by Azure Policy (403): ${message}`, hint: e.hint };
  if (e.code === 'ForbiddenByConnection' || e.code === 'ForbiddenByFirewall')
    return { what: `Blocked by the key vault's network settings (403): ${message}`, hint: e.hint };
  if (e.kind === 'Forbidden' || status === 403) {
    const missing = e.missingAction ? `you do not have permission ${e.missingAction}` : 'you do not have the permission this needs';
    return { what: `Forbidden (403): ${missing}. ${message}`, hint: e.hint ?? 'Ask an owner of the resource for a role that grants it.' };
  }
  if (e.kind === 'Throttled' || status === 429) {
    const wait = e.retryAfterMs !== undefined ? ` in ${Math.ceil(e.retryAfterMs / 1000)} s` : '';
    return { what: `Throttled by Azure (429), retrying${wait}. ${message}`, hint: e.hint };
  }
  if (e.kind === 'NotFound' || status === 404) return { what: `Not found (404): ${message}`, hint: e.hint };
  if (e.kind === 'Network')
    return { what: `Network error: ${message}`, hint: e.hint ?? 'Check the connection (VPN, proxy) and press r to re-check.' };
  if (e.kind === 'Aborted') return { what: 'Cancelled.', hint: e.hint };
  return { what: message, hint: e.hint };
}
