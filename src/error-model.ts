// One error model. Every error apimkv raises on purpose is an ApimkvError with a kind, and the kind decides
// the exit code and, where the error has none of its own, the hint. Anything else that reaches the top is a
// bug and says so (its stack under --verbose), instead of passing for a sign-in or connection failure.

/** What went wrong, as the operator acts on it. */
export type ErrorKind = 'usage' | 'sign-in' | 'connection' | 'azure' | 'input' | 'bug';

/**
 * 2 for everything that means "no report" (scripts branch on 0/1, the report, against 2), and 70 for a bug
 * (EX_SOFTWARE in sysexits.h), so a wrapper can tell "apimkv broke" from "the world is broken".
 */
export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = { usage: 2, 'sign-in': 2, connection: 2, azure: 2, input: 2, bug: 70 };

const DEFAULT_HINTS: Readonly<Partial<Record<ErrorKind, string>>> = {
  'sign-in': 'Run "az login" (with --tenant <tenant> if needed), or use --device-code.',
  bug: 'This is a bug in apimkv, not a problem with your Azure resources. Run again with --verbose and report what it prints (it never holds a secret).',
};

/** An error apimkv raises on purpose: its message says what happened, its hint what to do next. */
export class ApimkvError extends Error {
  readonly kind: ErrorKind;
  readonly hint?: string;

  constructor(kind: ErrorKind, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    const hint = options.hint ?? DEFAULT_HINTS[kind];
    if (hint !== undefined) this.hint = hint;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/** The command line asked for something that does not parse or does not fit together. */
export class UsageError extends ApimkvError {
  override readonly name: string = 'UsageError';
  constructor(message: string, hint?: string) {
    super('usage', message, { hint });
  }
}

/** A value the operator gave (an identifier, a file, a password source, a check id) cannot be used. */
export class InputError extends ApimkvError {
  override readonly name: string = 'InputError';
  constructor(message: string, hint?: string) {
    super('input', message, { hint });
  }
}

/** The target cannot be reached or named (not found, not picked, another tenant): says what to pass or do. */
export class ConnectError extends ApimkvError {
  override readonly name: string = 'ConnectError';
  constructor(message: string, hint?: string) {
    super('connection', message, { hint });
  }
}

const NETWORK_CODES =
  /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/;

/** The kind of any thrown value: ours by its kind, an Azure SDK error as azure, a socket error as connection, else a bug. */
export function kindOf(e: unknown): ErrorKind {
  if (e instanceof ApimkvError) return e.kind;
  if (typeof e !== 'object' || e === null) return 'bug';
  const { name, code, statusCode } = e as { name?: unknown; code?: unknown; statusCode?: unknown };
  if (name === 'RestError' || typeof statusCode === 'number')
    return typeof code === 'string' && NETWORK_CODES.test(code) ? 'connection' : 'azure';
  if (typeof code === 'string' && NETWORK_CODES.test(code)) return 'connection';
  // A cancelled request (the operator quit, or a deadline passed) is not apimkv breaking.
  if (name === 'AbortError') return 'connection';
  if (
    name === 'AuthenticationError' ||
    name === 'CredentialUnavailableError' ||
    name === 'AggregateAuthenticationError' ||
    name === 'AuthenticationRequiredError'
  )
    return 'sign-in';
  return 'bug';
}

/** What the command line prints for an error that ended the run (message and hint through `escape`), and its exit code. */
export function reportError(
  e: unknown,
  verbose: boolean,
  escape: (text: string) => string = (text) => text,
): { text: string; exitCode: number } {
  const kind = kindOf(e);
  const message = escape(e instanceof Error ? e.message : String(e));
  const hint =
    e instanceof ApimkvError
      ? e.hint
      : typeof e === 'object' && e !== null && typeof (e as { hint?: unknown }).hint === 'string'
        ? (e as { hint: string }).hint
        : DEFAULT_HINTS[kind];
  const lines = [kind === 'bug' ? `apimkv: unexpected error (a bug in apimkv): ${message}` : `apimkv: ${message}`];
  if (hint) lines.push(`apimkv: ${escape(hint)}`);
  if (verbose && e instanceof Error && e.stack) lines.push(...e.stack.split('\n').map(escape));
  return { text: `${lines.join('\n')}\n`, exitCode: EXIT_CODES[kind] };
}
