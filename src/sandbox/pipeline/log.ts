// The request log (GET /__sandbox/log, Sandbox.requests()): every ARM and data-plane request with its answer,
// credentials and secret-bearing fields redacted. The body is parsed here, once, so the log sees it as sent.
import { ArmError } from '../http.ts';
import type { SandboxState } from '../state.ts';
import type { Json, LoggedRequest } from '../types.ts';
import { tokenClaims } from './auth.ts';
import { WITHHELD, type Exchange, type Outcome, type Stage } from './exchange.ts';

/**
 * Secret-bearing fields never reach the log. Only string values are replaced: a named value's `secret` is a boolean
 * flag, and replacing it by a string would make the logged shape disagree with the spec.
 */
function redact(value: unknown, path: string): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v, path));
  if (!value || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value as Json)) {
    if (typeof v !== 'string') out[k] = redact(v, path);
    else if (
      /^(password|secret|clientSecret|accessToken|refreshToken)$/i.test(k) ||
      (k === 'data' && /\/certificates\//i.test(path)) ||
      (k === 'value' && /^\/secrets\//i.test(path))
    ) {
      out[k] = '[redacted]';
    } else out[k] = redact(v, path);
  }
  return out;
}

/** Headers as the log keeps them: names lower-cased, credentials replaced. */
function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const name = k.toLowerCase();
    out[name] = /^(authorization|cookie|set-cookie|x-ms-authorization-auxiliary)$/.test(name)
      ? '[redacted]'
      : Array.isArray(v)
        ? v.join(', ')
        : v;
  }
  return out;
}

const elapsed = (x: Exchange) => Math.round(performance.now() - x.started);

export class RequestLog {
  private readonly entries: LoggedRequest[] = [];

  copy(): LoggedRequest[] {
    return structuredClone(this.entries);
  }

  /** A sign-in request, logged without headers or bodies: they carry device codes and refresh tokens. */
  brief(x: Exchange, state: SandboxState, status: number): void {
    const { method, host, path, queryText: query } = x;
    this.entries.push({ seq: this.entries.length + 1, time: state.stamp(), method, host, path, query, status, ms: elapsed(x) });
  }

  /** Logs the request, then what the later stages answered (or which fault withheld it). */
  stage(state: SandboxState): Stage {
    return async (x, next) => {
      const claims = tokenClaims(x.authorization);
      x.principalId = claims.oid ?? state.world.operator.principalId;
      const entry: LoggedRequest = {
        seq: this.entries.length + 1,
        time: state.stamp(),
        method: x.method,
        host: x.host,
        path: x.path,
        query: x.queryText,
        url: x.rawUrl,
        requestHeaders: redactHeaders(x.req.headers),
        status: 0,
        ms: 0,
      };
      if (x.authorization) entry.principalId = x.principalId;
      if (claims.aud) entry.audience = claims.aud;
      this.entries.push(entry);
      x.headOnly = x.method === 'HEAD';
      const out = await this.answer(x, entry, next);
      if (out === WITHHELD) {
        entry.fault = x.fault;
        if (x.fault === 'reset') entry.ms = elapsed(x);
        return out;
      }
      entry.status = out.status;
      entry.ms = elapsed(x);
      if (out.body !== undefined) entry.responseBody = redact(out.body, x.path);
      if (x.fault) entry.fault = x.fault;
      x.onSent = (headers) => {
        entry.responseHeaders = redactHeaders(headers);
      };
      return out;
    };
  }

  private async answer(x: Exchange, entry: LoggedRequest, next: () => Promise<Outcome>): Promise<Outcome> {
    try {
      x.body = x.raw ? JSON.parse(x.raw) : undefined;
    } catch {
      return new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.').reply();
    }
    if (x.body !== undefined) entry.requestBody = redact(x.body, x.path);
    return next();
  }
}
