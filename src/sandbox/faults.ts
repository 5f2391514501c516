// Fault injection: rules matched by method, path regex and host, with a `times` budget, answering with a
// status (429 gets Retry-After and x-ms-retry-after-ms), a socket reset or a hang.
import type { Reply } from './http.ts';
import type { FaultRule } from './types.ts';

const CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'AuthenticationFailed',
  403: 'AuthorizationFailed',
  404: 'NotFound',
  409: 'Conflict',
  412: 'PreconditionFailed',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

interface Armed {
  rule: FaultRule;
  remaining: number;
  path: RegExp;
  host?: RegExp;
}

/** The armed rules, in the order they were added. */
export class Faults {
  private armed: Armed[] = [];

  add(rule: FaultRule): void {
    this.armed.push({
      rule: structuredClone(rule),
      remaining: rule.match.times ?? Infinity,
      path: new RegExp(rule.match.path),
      host: rule.match.host ? new RegExp(rule.match.host, 'i') : undefined,
    });
  }

  clear(): void {
    this.armed = [];
  }

  /** Rules still armed (for the world snapshot). */
  rules(): FaultRule[] {
    return this.armed.map((a) => ({
      ...structuredClone(a.rule),
      match: { ...a.rule.match, ...(Number.isFinite(a.remaining) ? { times: a.remaining } : {}) },
    }));
  }

  /** The first armed rule for this request and phase; consumes one of its `times`. */
  take(method: string, path: string, host: string, phase: 'before' | 'after'): FaultRule | undefined {
    const hit = this.armed.find(
      (a) =>
        (a.rule.when ?? 'before') === phase &&
        (!a.rule.match.method || a.rule.match.method.toUpperCase() === method) &&
        a.path.test(path) &&
        (!a.host || a.host.test(host)),
    );
    if (!hit) return undefined;
    hit.remaining--;
    if (hit.remaining <= 0) this.armed = this.armed.filter((a) => a !== hit);
    return hit.rule;
  }
}

/** The reply a status fault gives: ARM-shaped body unless the rule has one, throttling headers on 429/503. */
export function faultReply(respond: { status: number; headers?: Record<string, string>; body?: unknown }): Reply {
  const headers: Record<string, string> = { ...(respond.headers ?? {}) };
  const has = (name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);
  if (respond.status === 429 || respond.status === 503) {
    // A rule that names its own Retry-After means that wait; otherwise tests get a short one.
    if (!has('retry-after')) {
      headers['Retry-After'] = '1';
      if (!has('x-ms-retry-after-ms')) headers['x-ms-retry-after-ms'] = '20';
    }
  }
  const code = CODES[respond.status] ?? `Http${respond.status}`;
  const body = respond.body ?? { error: { code, message: `Injected fault: ${respond.status} ${code} (sandbox fault rule).` } };
  return { status: respond.status, headers, body };
}
