// The write journal: every write apimkv makes is recorded BEFORE it is sent and completed after, so a
// crash, a Ctrl-C or an SSH drop never leaves a change (least of all a hole in a firewall) unaccounted for.
//
// Every apimkv a user runs shares one state directory (a TUI in one pane, `fix` in another), so the file is
// shared too: each change is made under an inter-process lock (proper-lockfile: a lock directory whose
// mtime is kept fresh, taken over when stale) as re-read, change, write a temp file, fsync, rename. Two
// processes therefore merge their entries instead of the last writer winning. Each live process also
// leaves a session file with its pid, so a second one can say who else is working here, and so a pending
// write of a live process is never "settled" by another process while it is still in flight.
import { InputError } from '../error-model.ts';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';
import { ensurePrivateDir, writeNewPrivateFile } from './private-files.ts';
import type { TemporaryChange } from '../checks/facts.ts';
import { operationSpec } from '../checks/operations/index.ts';
import type { Operation } from '../checks/types.ts';

/** pending: sent (or about to be) with no answer yet; unknown: the answer was lost (crash, abort, reset). */
export type JournalStatus = 'pending' | 'done' | 'already' | 'failed' | 'unknown';

/** One write, as recorded. `operation` is stored as JSON, so Secrets in it are already "[redacted]". */
export interface JournalEntry {
  id: string;
  runId: string;
  planId: string;
  startedAt: string;
  finishedAt?: string;
  status: JournalStatus;
  operation: unknown;
  message?: string;
  before?: unknown;
  after?: unknown;
  /** Set on writes meant to be undone (the operator's client IP rule) until they are. */
  temporary?: TemporaryChange & { removedAt?: string };
}

interface JournalFile {
  version: 1;
  entries: JournalEntry[];
}

const sameVault = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Another apimkv process working on the same state directory right now. */
export interface OtherSession {
  pid: number;
  startedAt: string;
}

/** How long a process waits for another's journal update before it gives up (updates take milliseconds). */
const LOCK_WAIT_MS = 15_000;
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process's session files, removed when it exits (one listener for all of them). */
const ownSessions = new Set<string>();
process.once('exit', () => {
  for (const file of ownSessions) rmSync(file, { force: true });
});

export class Journal {
  readonly runId = randomUUID();
  #entries: JournalEntry[];
  readonly #sessions?: string;

  /** `path` undefined keeps the journal in memory (the sandbox demo, whose world is in memory too). */
  constructor(
    readonly path?: string,
    private readonly clock: () => Date = () => new Date(),
  ) {
    if (path) ensurePrivateDir(dirname(path));
    this.#entries = path ? Journal.read(path) : [];
    if (path) {
      this.#sessions = join(dirname(path), 'sessions');
      mkdirSync(this.#sessions, { recursive: true, mode: 0o700 });
      const mine = join(this.#sessions, `${this.runId}.json`);
      writeNewPrivateFile(mine, JSON.stringify({ pid: process.pid, startedAt: this.clock().toISOString() }));
      ownSessions.add(mine);
    }
  }

  static read(path: string): JournalEntry[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new InputError(
        `The journal at ${path} could not be read (${(e as Error).message}). Move it aside to start a new one; it may list changes that still need cleaning up.`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new InputError(
        `The journal at ${path} is not valid JSON (${(e as Error).message}). Move it aside (mv ${path} ${path}.broken) to start a new one, and check the old one by hand: it may list a temporary change (a client IP rule) that still needs removing.`,
      );
    }
    const entries = (parsed as Partial<JournalFile> | null)?.entries;
    const valid =
      Array.isArray(entries) &&
      entries.every(
        (e) =>
          typeof e === 'object' &&
          e !== null &&
          typeof (e as JournalEntry).id === 'string' &&
          typeof (e as JournalEntry).status === 'string',
      );
    if (!valid)
      throw new InputError(
        `The journal at ${path} is not an apimkv journal (expected {"version":1,"entries":[...]}). Move it aside (mv ${path} ${path}.broken) to start a new one, and check the old one by hand: it may list a temporary change (a client IP rule) that still needs removing.`,
      );
    return entries as JournalEntry[];
  }

  /** The entries as the file holds them now (other processes' included). */
  entries(): readonly JournalEntry[] {
    this.refresh();
    return this.#entries;
  }

  /** Other live apimkv processes on this state directory (stale session files of dead ones are removed). */
  otherSessions(): OtherSession[] {
    return this.#liveSessions()
      .filter((s) => s.pid !== process.pid)
      .map(({ pid, startedAt }) => ({ pid, startedAt }));
  }

  #liveSessions(): (OtherSession & { runId: string })[] {
    if (!this.#sessions) return [];
    const out: (OtherSession & { runId: string })[] = [];
    for (const name of readdirSync(this.#sessions)) {
      if (!name.endsWith('.json')) continue;
      const file = join(this.#sessions, name);
      try {
        const s = JSON.parse(readFileSync(file, 'utf8')) as OtherSession;
        if (alive(s.pid)) out.push({ ...s, runId: name.slice(0, -5) });
        else rmSync(file, { force: true });
      } catch {
        // Written by a process that died mid-write, or not ours: ignore it.
      }
    }
    return out;
  }

  /** Record a write before it is sent. */
  begin(planId: string, operation: Operation): JournalEntry {
    const at = this.clock().toISOString();
    const entry: JournalEntry = {
      id: randomUUID(),
      runId: this.runId,
      planId,
      startedAt: at,
      status: 'pending',
      operation: JSON.parse(JSON.stringify(operation)),
    };
    const temporary = operationSpec(operation).temporaryChange?.(operation, at);
    if (temporary) entry.temporary = temporary;
    this.update((entries) => entries.push(structuredClone(entry)));
    return entry;
  }

  /** Record the outcome of a write. */
  finish(
    entry: JournalEntry,
    status: Exclude<JournalStatus, 'pending'>,
    detail: { message?: string; before?: unknown; after?: unknown } = {},
  ): void {
    const finishedAt = this.clock().toISOString();
    const apply = (e: JournalEntry) => {
      e.status = status;
      e.finishedAt = finishedAt;
      if (detail.message !== undefined) e.message = detail.message;
      if (detail.before !== undefined) e.before = detail.before;
      if (detail.after !== undefined) e.after = detail.after;
      // An "already there" ip rule was not added by us: it is not ours to remove later.
      if (status === 'already' || status === 'failed') delete e.temporary;
    };
    apply(entry);
    this.update((entries) => {
      const stored = entries.find((e) => e.id === entry.id);
      if (stored) apply(stored);
      else entries.push(structuredClone(entry));
    });
  }

  /** Mark a temporary change as undone (its removal succeeded or it was already gone). */
  markRemoved(change: TemporaryChange): void {
    const at = this.clock().toISOString();
    this.update((entries) => {
      for (const e of entries) {
        if (
          e.temporary &&
          !e.temporary.removedAt &&
          e.temporary.kind === change.kind &&
          sameVault(e.temporary.vaultId, change.vaultId) &&
          e.temporary.value === change.value
        ) {
          e.temporary.removedAt = at;
        }
      }
    });
  }

  /** Temporary changes still in place, as far as the journal knows (also from earlier runs and other processes). */
  temporaryChanges(): TemporaryChange[] {
    this.refresh();
    return this.#entries
      .filter((e) => e.temporary && !e.temporary.removedAt && (e.status === 'done' || e.status === 'unknown' || e.status === 'pending'))
      .map((e) => {
        const { removedAt: _removed, ...change } = e.temporary!;
        return change;
      });
  }

  /**
   * Writes whose outcome nobody saw (crash, abort, lost connection): to reconcile by reading the resource.
   * A pending write of this run, or of another process still running, is in flight, not lost: left out.
   * (Another Journal of this same process is an earlier run: one process runs one engine at a time.)
   */
  unresolved(): JournalEntry[] {
    this.refresh();
    const live = new Set(
      this.#liveSessions()
        .filter((s) => s.pid !== process.pid)
        .map((s) => s.runId),
    );
    live.add(this.runId);
    return this.#entries.filter((e) => e.status === 'unknown' || (e.status === 'pending' && !live.has(e.runId)));
  }

  /**
   * Settle a write of unknown outcome from what the resource shows now: present means it happened, absent
   * means it did not. Undefined (the facts cannot tell) leaves it unknown.
   */
  settle(entry: JournalEntry, present: boolean | undefined): void {
    if (present === undefined) {
      entry.status = 'unknown';
      entry.message =
        'Outcome unknown, and reading the resource cannot tell: re-apply the fix if its check still fails (fixes are idempotent).';
      this.update((entries) => {
        const stored = entries.find((e) => e.id === entry.id);
        if (stored) Object.assign(stored, { status: entry.status, message: entry.message });
      });
      return;
    }
    this.finish(entry, present ? 'done' : 'failed', {
      message: present
        ? 'Settled by reading the resource: the change is in place.'
        : 'Settled by reading the resource: the change was not made.',
    });
  }

  /** Re-read the file (an atomic rename means a read sees the old or the new journal, never half). */
  private refresh(): void {
    if (this.path) this.#entries = Journal.read(this.path);
  }

  /**
   * One change, merged with everyone else's: under the lock, re-read, change, write a temp file (created
   * new, never through a symlink), fsync, rename over the journal. A crash leaves the old or the new one.
   */
  private update(change: (entries: JournalEntry[]) => void): void {
    if (!this.path) {
      change(this.#entries);
      return;
    }
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const release = this.lock();
    try {
      const entries = Journal.read(this.path);
      change(entries);
      const tmp = `${this.path}.${process.pid}.${randomUUID()}.tmp`;
      try {
        writeNewPrivateFile(tmp, JSON.stringify({ version: 1, entries } satisfies JournalFile, null, 2));
        renameSync(tmp, this.path);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw e;
      }
      this.#entries = entries;
    } finally {
      release();
    }
  }

  private lock(): () => void {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        // realpath: false, because the journal may not exist yet; the lock is a directory beside it.
        return lockfile.lockSync(this.path!, { realpath: false, stale: 10_000 });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() > deadline) {
          if ((e as NodeJS.ErrnoException).code === 'ELOCKED')
            throw new InputError(
              `The journal at ${this.path} stayed locked by another apimkv for ${LOCK_WAIT_MS / 1000} s; nothing was written. Try again.`,
            );
          throw e;
        }
        sleep(10 + Math.floor(Math.random() * 20));
      }
    }
  }
}
