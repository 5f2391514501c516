// The write journal: every write apimkv makes is recorded BEFORE it is sent and completed after, so a
// crash, a Ctrl-C or an SSH drop never leaves a change (least of all a hole in a firewall) unaccounted for.
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
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

export class Journal {
  readonly runId = randomUUID();
  #entries: JournalEntry[];

  /** `path` undefined keeps the journal in memory (the sandbox demo, whose world is in memory too). */
  constructor(readonly path?: string, private readonly clock: () => Date = () => new Date()) {
    this.#entries = path ? Journal.read(path) : [];
  }

  static read(path: string): JournalEntry[] {
    try {
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as JournalFile;
      return Array.isArray(parsed.entries) ? parsed.entries : [];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`The journal at ${path} could not be read (${(e as Error).message}). Move it aside to start a new one; it may list changes that still need cleaning up.`);
    }
  }

  entries(): readonly JournalEntry[] {
    return this.#entries;
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
    this.#entries.push(entry);
    this.save();
    return entry;
  }

  /** Record the outcome of a write. */
  finish(entry: JournalEntry, status: Exclude<JournalStatus, 'pending'>, detail: { message?: string; before?: unknown; after?: unknown } = {}): void {
    entry.status = status;
    entry.finishedAt = this.clock().toISOString();
    if (detail.message !== undefined) entry.message = detail.message;
    if (detail.before !== undefined) entry.before = detail.before;
    if (detail.after !== undefined) entry.after = detail.after;
    // An "already there" ip rule was not added by us: it is not ours to remove later.
    if (status === 'already' || status === 'failed') delete entry.temporary;
    this.save();
  }

  /** Mark a temporary change as undone (its removal succeeded or it was already gone). */
  markRemoved(change: TemporaryChange): void {
    const at = this.clock().toISOString();
    for (const e of this.#entries) {
      if (e.temporary && !e.temporary.removedAt && e.temporary.kind === change.kind && sameVault(e.temporary.vaultId, change.vaultId) && e.temporary.value === change.value) {
        e.temporary.removedAt = at;
      }
    }
    this.save();
  }

  /** Temporary changes still in place, as far as the journal knows (also from earlier runs). */
  temporaryChanges(): TemporaryChange[] {
    return this.#entries
      .filter((e) => e.temporary && !e.temporary.removedAt && (e.status === 'done' || e.status === 'unknown' || e.status === 'pending'))
      .map((e) => {
        const { removedAt: _removed, ...change } = e.temporary!;
        return change;
      });
  }

  /** Writes whose outcome nobody saw (crash, abort, lost connection): to reconcile by reading the resource. */
  unresolved(): JournalEntry[] {
    return this.#entries.filter((e) => e.status === 'pending' || e.status === 'unknown');
  }

  /**
   * Settle a write of unknown outcome from what the resource shows now: present means it happened, absent
   * means it did not. Undefined (the facts cannot tell) leaves it unknown.
   */
  settle(entry: JournalEntry, present: boolean | undefined): void {
    if (present === undefined) {
      entry.status = 'unknown';
      entry.message = 'Outcome unknown, and reading the resource cannot tell: re-apply the fix if its check still fails (fixes are idempotent).';
      this.save();
      return;
    }
    this.finish(entry, present ? 'done' : 'failed', { message: present ? 'Settled by reading the resource: the change is in place.' : 'Settled by reading the resource: the change was not made.' });
  }

  /** Atomic replace: temp file, fsync, rename; a crash leaves the old or the new journal, never half of one. */
  private save(): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify({ version: 1, entries: this.#entries } satisfies JournalFile, null, 2));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
