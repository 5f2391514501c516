// A per-retry pipeline policy: reports every attempt (status, ms), throttling with the wait the SDK's
// retry policy will honour, retries and LRO polls as GatewayEvents, and bounds each attempt with a
// timeout. Per-call listeners travel in AsyncLocalStorage so one client instance serves every caller.
import { AsyncLocalStorage } from 'node:async_hooks';
import { RestError, isRestError, type PipelinePolicy, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { GatewayEvent } from '../checks/ports.ts';
import { rememberErrorBody } from './error-bodies.ts';
import { retryAfterMsFrom } from './errors.ts';

/** Listener for gateway events. */
export type EventSink = (event: GatewayEvent) => void;

const callSinks = new AsyncLocalStorage<EventSink>();

/** Run `fn` with `sink` receiving the events of every request it makes. */
export function withEventSink<T>(sink: EventSink | undefined, fn: () => Promise<T>): Promise<T> {
  return sink ? callSinks.run(sink, fn) : fn();
}

/** Default per-attempt timeout: long enough for slow ARM writes, short enough to notice a dead link. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Options for eventsPolicy. */
export interface EventsPolicyOptions {
  onEvent?: EventSink;
  /** Per attempt; a timed-out attempt fails as ETIMEDOUT, which the retry policy retries. */
  timeoutMs?: number;
  now?: () => number;
}

/** Query strings can carry SAS-like values; events show the path and api-version only. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    const api = u.searchParams.get('api-version');
    return `${u.origin}${u.pathname}${api ? `?api-version=${api}` : ''}`;
  } catch {
    return url.split('?')[0] ?? url;
  }
}

/** The policy; add it to each client's `additionalPolicies` with position 'perRetry'. */
export function eventsPolicy(options: EventsPolicyOptions = {}): PipelinePolicy {
  const now = options.now ?? (() => performance.now());
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const attempts = new WeakMap<PipelineRequest, { count: number; lastStatus?: number; lastReason?: string }>();
  // Status monitors handed out by LRO starts (Azure-AsyncOperation / Location): GETs to them are polls.
  // Both headers of one start share a group, so a finished operation is reported once.
  const monitors = new Map<string, Set<string>>();

  const emit = (event: GatewayEvent) => {
    for (const sink of [options.onEvent, callSinks.getStore()]) {
      if (!sink) continue;
      try {
        sink(event);
      } catch {
        // A listener's bug must not fail the Azure call.
      }
    }
  };

  return {
    name: 'apimkvEventsPolicy',
    async sendRequest(request: PipelineRequest, next): Promise<PipelineResponse> {
      const url = displayUrl(request.url);
      const seen = attempts.get(request) ?? { count: 0 };
      seen.count += 1;
      attempts.set(request, seen);
      if (seen.count > 1) {
        emit({
          type: 'retry',
          method: request.method,
          url,
          status: seen.lastStatus,
          attempt: seen.count,
          reason: seen.lastReason ?? 'retry',
        });
      }

      const outer = request.abortSignal;
      const controller = new AbortController();
      let timedOut = false;
      const onOuterAbort = () => controller.abort();
      if (outer?.aborted) controller.abort();
      else outer?.addEventListener('abort', onOuterAbort, { once: true });
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      timer.unref?.();
      request.abortSignal = controller.signal;

      const started = now();
      try {
        const response = await next(request);
        const ms = Math.round(now() - started);
        const requestId = response.headers.get('x-ms-request-id') ?? response.headers.get('x-ms-correlation-request-id') ?? undefined;
        emit({ type: 'request', method: request.method, url, status: response.status, ms, requestId });
        seen.lastStatus = response.status;
        seen.lastReason = `HTTP ${response.status}`;
        if (response.status >= 400) rememberErrorBody(request, response.bodyAsText);

        if (response.status === 429 || response.status === 503) {
          const retryInMs = retryAfterMsFrom((n) => response.headers.get(n));
          // Only a retry-after header makes the SDK's throttling strategy wait and retry; report what it will do.
          if (retryInMs !== undefined) emit({ type: 'throttled', method: request.method, url, status: response.status, retryInMs });
        }
        if (response.status === 201 || response.status === 202) {
          const group = new Set(
            ['azure-asyncoperation', 'location']
              .map((h) => response.headers.get(h))
              .filter((m): m is string => !!m)
              .map(displayUrl),
          );
          for (const m of group) monitors.set(m, group);
        }
        const group = request.method === 'GET' && response.status === 200 ? monitors.get(url) : undefined;
        if (group) {
          const status = lroStatus(response.bodyAsText);
          if (status) {
            emit({ type: 'lro', url, status });
            if (status !== 'InProgress' && status !== 'Accepted' && status !== 'Running') for (const m of group) monitors.delete(m);
          }
        }
        return response;
      } catch (e) {
        const ms = Math.round(now() - started);
        if (timedOut && !outer?.aborted) {
          emit({ type: 'request', method: request.method, url, ms });
          seen.lastReason = `no answer within ${duration(timeoutMs)}`;
          // ETIMEDOUT is a "system error" to the SDK's retry strategy, so the attempt is retried.
          throw new RestError(`No answer within ${duration(timeoutMs)}.`, { code: 'ETIMEDOUT', request });
        }
        const status = isRestError(e) ? e.statusCode : undefined;
        emit({ type: 'request', method: request.method, url, status, ms });
        seen.lastStatus = status;
        seen.lastReason = isRestError(e) && e.code ? e.code : 'transport error';
        throw e;
      } finally {
        clearTimeout(timer);
        outer?.removeEventListener('abort', onOuterAbort);
        // The retry policy checks the caller's own signal between attempts.
        request.abortSignal = outer;
      }
    },
  };
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function lroStatus(text: string | null | undefined): string | undefined {
  if (!text) return undefined;
  try {
    const body = JSON.parse(text) as { status?: unknown; properties?: { provisioningState?: unknown } };
    if (typeof body.status === 'string') return body.status;
    if (typeof body.properties?.provisioningState === 'string') return body.properties.provisioningState;
  } catch {
    // Not JSON: not a status body.
  }
  return undefined;
}
