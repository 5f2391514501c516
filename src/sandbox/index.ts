// The sandbox: a local HTTPS emulator of Azure Resource Manager and the Key Vault data plane that the real
// Azure SDK clients talk to (demo, onboarding and tests). Binds 127.0.0.1 only; trusts nothing but its
// own certificate, which it hands to clients through `agent`.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CLOUD_HOSTNAMES, cloudOfHost, fromCloud, toCloud, vaultOfHost } from './clouds.ts';
import { faultReply, Faults } from './faults.ts';
import { ArmError, type Ctx, type Reply } from './http.ts';
import { LroRegistry } from './lro.ts';
import { ArmThrottle } from './throttle.ts';
import { Entra } from './providers/entra.ts';
import { dataPlane } from './providers/kvdata.ts';
import { seededRandom } from './random.ts';
import { normalisePath } from './resource-id.ts';
import { route } from './router.ts';
import { SandboxState } from './state.ts';
import { generateCertificate } from './tls.ts';
import type { FaultRule, Json, Latency, LoggedRequest, World } from './types.ts';
import { loadWorld, validateFaultShape, validateWorld, WorldError } from './world.ts';

export type {
  ArmResource,
  DeletedVault,
  FaultRule,
  Latency,
  LoggedRequest,
  Operator,
  VaultData,
  VaultObject,
  VaultObjectVersion,
  World,
} from './types.ts';
export { loadWorld, validateWorld, WorldError } from './world.ts';
export { WORLD_NAMES } from './worlds/index.ts';

/** How to start the sandbox. */
export interface SandboxOptions {
  /** A World object, a path to a .json world file, or the name of a shipped world ('everything-broken' by default). */
  world?: World | string;
  /** 0 (default) = any free port; always binds 127.0.0.1 only. */
  port?: number;
  /** How long a long-running operation takes on the sandbox's clock (default: the world's `lro.durationMs`, else 0). */
  lroMs?: number;
  /** ARM's read/write token buckets (default: the world's `armThrottling.enabled`, else off; `sandbox serve` turns them on). */
  armThrottling?: boolean;
  /** Injectable ms clock (default Date.now). */
  clock?: () => number;
  /** Also certify the clouds' own ARM and vault hostnames (for clients routed here under those names). */
  cloudHosts?: boolean;
}

/** A running sandbox. */
export interface Sandbox {
  /** 'https://127.0.0.1:<port>' (no trailing slash). */
  readonly endpoint: string;
  /** The self-signed certificate generated at start (the only trust anchor). */
  readonly caPem: string;
  /** Trusts caPem, keeps connections alive and resolves *.localhost to 127.0.0.1. */
  readonly agent: https.Agent;
  readonly tenantId: string;
  /** An unsigned JWT whose payload names the caller (default: the world's operator). */
  token(principalId?: string): string;
  /** A deep copy of the current state, loadable again as a world file. */
  world(): World;
  /** Every request and response so far (Authorization and secret-bearing bodies redacted). */
  requests(): LoggedRequest[];
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** Resolve `*.localhost` to loopback (RFC 6761) and everything else through DNS. */
export function localhostLookup(hostname: string, options: unknown, callback: unknown): void {
  const opts = (typeof options === 'function' ? {} : (options ?? {})) as { all?: boolean };
  const cb = (typeof options === 'function' ? options : callback) as (
    err: Error | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void;
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    if (opts.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
    else cb(null, '127.0.0.1', 4);
    return;
  }
  (dnsLookup as (...args: unknown[]) => void)(hostname, opts, cb);
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The caller's object id and the token's audience from an unsigned (or any) JWT; empty when unreadable. */
function tokenClaims(auth: string | undefined): { oid?: string; aud?: string } {
  const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  const payload = token?.split('.')[1];
  if (!payload) return {};
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Json;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
    return { oid: str(claims.oid), aud: str(claims.aud) };
  } catch {
    return {};
  }
}

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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const initial =
    typeof options.world === 'string' || options.world === undefined
      ? loadWorld(options.world ?? 'everything-broken')
      : validateWorld(structuredClone(options.world));
  const clock = options.clock ?? Date.now;
  const state = new SandboxState(initial, clock);
  const faults = new Faults();
  for (const f of initial.faults ?? []) faults.add(f);
  let latency: Latency = initial.latency ?? { baseMs: 0, jitterMs: 0 };
  const jitter = seededRandom((initial.seed ?? 42) + 1);
  const lros = new LroRegistry(clock, options.lroMs ?? initial.lro?.durationMs ?? 0);
  const throttle =
    (options.armThrottling ?? initial.armThrottling?.enabled ?? false) ? new ArmThrottle(clock, initial.armThrottling) : undefined;
  const log: LoggedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  // TLS validity is checked against the real time, not the injectable clock.
  const tls = await generateCertificate(new Date(), options.cloudHosts ? CLOUD_HOSTNAMES : []);
  let port = 0;
  let endpoint = '';
  const entra = new Entra(state, () => endpoint, clock);

  const send = (res: ServerResponse, reply: Reply, head: boolean) => {
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    let payload = '';
    if (reply.body !== undefined && reply.status !== 204) {
      payload = JSON.stringify(reply.body);
      headers['Content-Type'] = 'application/json; charset=utf-8';
    }
    headers['Content-Length'] = String(head ? 0 : Buffer.byteLength(payload));
    res.writeHead(reply.status, headers);
    res.end(head ? undefined : payload);
    return headers;
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string, raw: string): Promise<unknown> => {
    const method = req.method ?? 'GET';
    try {
      if (path === '/__sandbox/world' && method === 'GET') return send(res, { status: 200, body: snapshot() }, false);
      if (path === '/__sandbox/log' && method === 'GET') return send(res, { status: 200, body: structuredClone(log) }, false);
      if (path === '/__sandbox/signins' && method === 'GET')
        return send(res, { status: 200, body: { pending: entra.pendingCodes() } }, false);
      if (path === '/__sandbox/faults' && method === 'POST') {
        const rule = JSON.parse(raw || 'null');
        validateFaultShape(rule, 'body');
        faults.add(rule);
        return send(res, { status: 201, body: rule }, false);
      }
      if (path === '/__sandbox/faults' && method === 'DELETE') {
        faults.clear();
        return send(res, { status: 204 }, false);
      }
      if (path === '/__sandbox/latency' && method === 'POST') {
        const body = JSON.parse(raw || 'null');
        if (typeof body?.baseMs !== 'number' || typeof body?.jitterMs !== 'number')
          throw new WorldError('body: must be { baseMs: number, jitterMs: number }');
        latency = { baseMs: body.baseMs, jitterMs: body.jitterMs };
        return send(res, { status: 200, body: latency }, false);
      }
      send(res, new ArmError(404, 'NotFound', `Unknown sandbox control endpoint ${method} ${path}.`).reply(), false);
    } catch (e) {
      send(res, new ArmError(400, 'InvalidRequest', (e as Error).message).reply(), false);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<unknown> => {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const host = String(req.headers.host ?? '');
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = normalisePath(safeDecode(q >= 0 ? rawUrl.slice(0, q) : rawUrl) || '/');
    const queryText = q >= 0 ? rawUrl.slice(q + 1) : '';
    const raw = await readBody(req);
    if (path.startsWith('/__sandbox/')) return control(req, res, path, raw);
    if (path === '/msi/token') return send(res, msiToken(raw, queryText), false);
    if (entra.serves(path)) {
      // Logged without bodies: they carry device codes and refresh tokens.
      const reply = entra.handle(method, path, raw, String(req.headers['content-type'] ?? ''), host);
      log.push({
        seq: log.length + 1,
        time: state.stamp(),
        method,
        host,
        path,
        query: queryText,
        status: reply.status,
        ms: Math.round(performance.now() - started),
      });
      return send(res, reply, false);
    }

    const delay = latency.baseMs + Math.floor(jitter() * latency.jitterMs);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));

    const auth = typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined;
    const claims = tokenClaims(auth);
    const principalId = claims.oid ?? state.world.operator.principalId;
    const entry: LoggedRequest = {
      seq: log.length + 1,
      time: state.stamp(),
      method,
      host,
      path,
      query: queryText,
      url: rawUrl,
      requestHeaders: redactHeaders(req.headers),
      status: 0,
      ms: 0,
    };
    if (auth) entry.principalId = principalId;
    if (claims.aud) entry.audience = claims.aud;
    const cloud = cloudOfHost(host);
    let body: Json | undefined;
    const finish = (reply: Reply, fault?: string) => {
      if (cloud.armHost && reply.body !== undefined) reply = { ...reply, body: JSON.parse(toCloud(JSON.stringify(reply.body), cloud)) };
      entry.status = reply.status;
      entry.ms = Math.round(performance.now() - started);
      if (reply.body !== undefined) entry.responseBody = redact(reply.body, path);
      if (fault) entry.fault = fault;
      entry.responseHeaders = redactHeaders(send(res, reply, method === 'HEAD'));
    };
    log.push(entry);
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return finish(new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.').reply());
    }
    if (body !== undefined) {
      entry.requestBody = redact(body, path);
      if (cloud.armHost) body = JSON.parse(fromCloud(JSON.stringify(body), cloud));
    }

    const applyFault = (rule: FaultRule): boolean => {
      const r = rule.respond;
      if ('reset' in r) {
        entry.fault = 'reset';
        entry.ms = Math.round(performance.now() - started);
        req.socket.destroy();
        return true;
      }
      if ('hang' in r) {
        entry.fault = 'hang';
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return true;
      }
      finish(faultReply(r), 'status');
      return true;
    };

    lros.sweep();
    const before = faults.take(method, path, host, 'before');
    if (before) {
      applyFault(before);
      return;
    }
    const vault = vaultOfHost(host);
    // Links (nextLink, Azure-AsyncOperation) name the cloud's ARM host, so a client keeps talking to the cloud it chose.
    const base = cloud.armHost ? `https://${cloud.armHost}` : endpoint;
    const ctx: Ctx = {
      method,
      path,
      query: new URLSearchParams(queryText),
      host,
      headers: req.headers,
      body,
      principalId,
      state,
      endpoint: base,
      port,
    };
    let reply: Reply;
    try {
      if (vault) reply = dataPlane(ctx, vault);
      else if (!auth?.startsWith('Bearer ')) {
        throw new ArmError(
          401,
          'AuthenticationFailed',
          "Authentication failed. The 'Authorization' header is missing.",
          {},
          {
            'WWW-Authenticate': `Bearer authorization_uri="${cloud.authority}/${state.world.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`,
          },
        );
      } else {
        const sub = /^\/subscriptions\/([^/]+)/i.exec(path)?.[1];
        const limits = throttle && sub ? throttle.take(sub, principalId, method) : {};
        reply = route(ctx, lros);
        reply = { ...reply, headers: { ...(reply.headers ?? {}), ...limits } };
      }
    } catch (e) {
      if (e instanceof ArmError) reply = e.reply();
      else {
        reply = new ArmError(500, 'InternalServerError', `The sandbox failed to handle ${method} ${path}: ${(e as Error).message}`).reply();
      }
    }
    const after = faults.take(method, path, host, 'after');
    if (after) {
      // The operation happened; the client just does not learn the outcome.
      if (reply!.lro) lros.complete(reply!.lro);
      applyFault(after);
      return;
    }
    finish(reply!);
  };

  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) send(res, new ArmError(500, 'InternalServerError', (e as Error).message).reply(), false);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  endpoint = `https://127.0.0.1:${port}`;
  const agent = new https.Agent({ ca: tls.cert, keepAlive: true, lookup: localhostLookup as never });

  /**
   * A Cloud Shell style managed-identity token endpoint (what az's `login --identity` calls through
   * MSI_ENDPOINT: POST form `resource=...`, or GET `?resource=`): the operator's token, times as epoch-second strings.
   */
  const msiToken = (raw: string, queryText: string): Reply => {
    const params = new URLSearchParams(raw);
    for (const [k, v] of new URLSearchParams(queryText)) params.set(k, v);
    const now = Math.floor(clock() / 1000);
    return {
      status: 200,
      body: {
        access_token: tokenFor(),
        token_type: 'Bearer',
        resource: params.get('resource') ?? '',
        expires_on: String(now + 3600),
        expires_in: '3600',
        not_before: String(now),
        client_id: state.world.operator.principalId,
      },
    };
  };

  const tokenFor = (principal?: string): string => {
    const op = state.world.operator;
    const oid = principal ?? op.principalId;
    const payload: Json = { oid, tid: state.world.tenantId, aud: endpoint, exp: Math.floor(clock() / 1000) + 3600 };
    if (oid === op.principalId && op.upn) payload.upn = op.upn;
    return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.sandbox`;
  };

  const snapshot = (): World => {
    lros.sweep();
    return { ...state.snapshot(), faults: faults.rules(), latency: { ...latency } };
  };

  return {
    endpoint,
    caPem: tls.cert,
    agent,
    tenantId: state.world.tenantId,
    token: tokenFor,
    world: snapshot,
    requests: () => structuredClone(log),
    addFault(rule) {
      validateFaultShape(rule, 'rule');
      faults.add(rule);
    },
    clearFaults: () => faults.clear(),
    async close() {
      lros.close();
      for (const res of hanging) res.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
    },
  };
}
