// The HTTPS server: reads a request into an Exchange, runs the pipeline, writes the answer. Binds 127.0.0.1 only.
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { cloudOfHost, vaultOfHost } from '../clouds.ts';
import { ArmError, type Reply } from '../http.ts';
import { normalisePath } from '../resource-id.ts';
import { WITHHELD, type Exchange, type Outcome } from './exchange.ts';

/** Write a reply (JSON body); returns the headers sent. */
export function send(res: ServerResponse, reply: Reply, head: boolean): Record<string, string> {
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

async function readExchange(req: IncomingMessage, res: ServerResponse): Promise<Exchange> {
  const started = performance.now();
  const host = String(req.headers.host ?? '');
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  return {
    req,
    res,
    started,
    method: (req.method ?? 'GET').toUpperCase(),
    host,
    rawUrl,
    path: normalisePath(safeDecode(q >= 0 ? rawUrl.slice(0, q) : rawUrl) || '/'),
    queryText: q >= 0 ? rawUrl.slice(q + 1) : '',
    raw: await readBody(req),
    cloud: cloudOfHost(host),
    vault: vaultOfHost(host),
    authorization: typeof req.headers.authorization === 'string' ? req.headers.authorization : undefined,
    principalId: '',
    headOnly: false,
  };
}

export interface Listening {
  readonly port: number;
  /** Ends hanging responses and every connection. */
  close(): Promise<void>;
}

/** Serve `handle` on 127.0.0.1:`port` (0 = any free port). */
export async function listen(
  tls: { cert: string; key: string },
  port: number,
  handle: (x: Exchange) => Promise<Outcome>,
): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const serve = async () => {
      const x = await readExchange(req, res);
      const out = await handle(x);
      if (out !== WITHHELD) {
        const headers = send(res, out, x.headOnly);
        x.onSent?.(headers);
      }
    };
    serve().catch((e) => {
      if (!res.headersSent) send(res, new ArmError(500, 'InternalServerError', (e as Error).message).reply(), false);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}
