// One request on its way through the sandbox's stages (server → control → identity → latency → log → cloud
// rewrite → faults → auth → throttle → dispatch). Each stage may answer, or pass on and change the answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxCloud } from '../clouds.ts';
import type { Reply } from '../http.ts';
import type { Json } from '../types.ts';

/** A fault kept the answer back (the socket was reset, or the response hangs): nothing is sent. */
export const WITHHELD = Symbol('withheld');

export type Outcome = Reply | typeof WITHHELD;

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** performance.now() when the request arrived. */
  readonly started: number;
  readonly method: string;
  readonly host: string;
  readonly rawUrl: string;
  /** Decoded and normalised, no query. */
  readonly path: string;
  readonly queryText: string;
  /** The request body as text. */
  readonly raw: string;
  /** The cloud whose hostnames the caller used (the sandbox's own when none). */
  readonly cloud: SandboxCloud;
  /** The vault a data-plane host names, if any. */
  readonly vault: string | undefined;
  /** The Authorization header, when a single string. */
  readonly authorization: string | undefined;
  /** The caller's object id (set by the log stage from the token; the operator when absent). */
  principalId: string;
  /** The parsed JSON body, in the sandbox's own hostnames once the cloud stage has rewritten it. */
  body?: Json;
  /** Answer HEAD with headers only (ARM requests). */
  headOnly: boolean;
  /** Which fault answered, for the log. */
  fault?: 'status' | 'reset' | 'hang';
  /** Called with the headers actually sent. */
  onSent?: (headers: Record<string, string>) => void;
}

export type Next = () => Promise<Outcome>;
export type Stage = (x: Exchange, next: Next) => Promise<Outcome>;

/** The stages in order, as one handler; the last stage must answer. */
export function pipeline(stages: readonly Stage[]): (x: Exchange) => Promise<Outcome> {
  const run = (i: number, x: Exchange): Promise<Outcome> =>
    i < stages.length ? stages[i](x, () => run(i + 1, x)) : Promise.reject(new Error(`no stage answered ${x.method} ${x.path}`));
  return (x) => run(0, x);
}

/** Where the sandbox listens, known once the server is bound (links and tokens name it). */
export interface Site {
  port: number;
  /** 'https://127.0.0.1:<port>'. */
  endpoint: string;
}
