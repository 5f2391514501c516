// The runbook engine: gather facts, run the checks, apply a fix (permission pre-check, journal, write,
// verify, wait out RBAC propagation, re-check). No UI here, and no Azure: only the Gateway port.
import type { CertificateIntent, Facts } from '../checks/facts.ts';
import { runChecks } from '../checks/index.ts';
import { describeOperation, isDone, operationSpec } from '../checks/operations/index.ts';
import { fixPermission } from '../checks/permissions.ts';
import type { Secret } from '../checks/secret.ts';
import { STEPS } from '../checks/steps.ts';
import type { Finding, FixPlan, Operation } from '../checks/types.ts';
import type { ApplyOutcome, ApplyProgress, Evaluation, RunbookEngine, RunContext } from './engine-types.ts';
import type { Journal } from './journal.ts';
import { checkPfxFile, openPfx, readPfxSecret } from './pfx.ts';
import { writePrivateFile } from './private-files.ts';
import type { CallOptions, Gateway, GatewayEvent, OperationResult, Target } from '../checks/ports.ts';
import { Transcript } from './transcript.ts';

/** How long to keep retrying a write that fails because a fresh role assignment is not honoured yet. */
export interface PropagationPolicy {
  /** Give up after this long (RBAC caching is minutes; docs mention up to 30 min in rare cases). */
  maxWaitMs: number;
  /** First wait; doubles each attempt up to maxStepMs. */
  firstStepMs: number;
  maxStepMs: number;
}

export interface EngineOptions {
  gateway: Gateway;
  target: Target;
  context: RunContext;
  journal: Journal;
  propagation?: PropagationPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  clock?: () => Date;
  /** Where saveTranscript writes (--transcript, or a file under the state directory). */
  transcriptPath?: string;
}

const DEFAULT_PROPAGATION: PropagationPolicy = { maxWaitMs: 10 * 60_000, firstStepMs: 5_000, maxStepMs: 60_000 };

/** Errors that mean "the grant exists but is not honoured yet" (RBAC caching). */
const PROPAGATION_SIGNS = /ForbiddenByRbac|propagation|recently granted|does not have secrets get permission|ForbiddenByPolicy/i;

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function createEngine(options: EngineOptions): RunbookEngine {
  const { gateway, target, context, journal } = options;
  const propagation = options.propagation ?? DEFAULT_PROPAGATION;
  const sleep = options.sleep ?? abortableSleep;
  const clock = options.clock ?? (() => new Date());
  const transcript = new Transcript(context, clock);
  let intent: CertificateIntent | undefined;
  let last: Evaluation | undefined;
  /** The .pfx last inspected, as the bytes read then (what an upload of that path sends). */
  let inspected: { path: string; pfx: Secret } | undefined;
  /** When this run last granted access through RBAC (so a 403 afterwards is probably propagation). */
  let rbacGrantedAt: number | undefined;

  const eventSink = (onEvent?: (e: GatewayEvent) => void) => (e: GatewayEvent) => {
    transcript.event(e);
    onEvent?.(e);
  };

  /** Writes left without an outcome (a kill, a crash, a Ctrl-C; not this run's in flight) are settled by reading. */
  function settleJournal(facts: Facts): string[] {
    const notes: string[] = [];
    for (const entry of journal.unresolved()) {
      if (entry.status === 'pending' && entry.runId === journal.runId) continue;
      const op = entry.operation as Operation;
      const present = isDone(op, facts);
      journal.settle(entry, present);
      // A removal that landed before a kill: the temporary change it undid is gone, so stop offering it.
      const undone = present ? operationSpec(op).undoes?.(op) : undefined;
      if (undone) journal.markRemoved(undone);
      const what = `${describeOperation(op)} (${entry.planId}, ${entry.startedAt})`;
      notes.push(
        present === undefined
          ? `Unknown outcome: ${what}. ${entry.message}`
          : `Settled: ${what} — ${present ? 'it was made' : 'it was not made'}.`,
      );
    }
    if (notes.length) transcript.note(`Journal: ${notes.join(' ')}`);
    // Their writes are merged into the same journal; say so, since their changes appear here too.
    for (const other of journal.otherSessions())
      notes.push(`another apimkv (pid ${other.pid}) is working on this state directory (since ${other.startedAt}).`);
    return notes;
  }

  async function evaluate(opts: CallOptions = {}): Promise<Evaluation> {
    const t0 = Date.now();
    const gathered = await gateway.gather(target, {
      signal: opts.signal,
      onEvent: eventSink(opts.onEvent),
      ...(intent?.kind === 'keyVault' ? { secretIds: [intent.secretIdentifier] } : {}),
    });
    const journalNotes = settleJournal({ ...gathered, temporaryChanges: [], ...(intent ? { intent } : {}) });
    const facts: Facts = { ...gathered, temporaryChanges: journal.temporaryChanges(), ...(intent ? { intent } : {}) };
    const findings = runChecks(facts);
    const gatherMs = Date.now() - t0;
    last = { facts, findings, steps: STEPS, gatherMs, journalNotes };
    transcript.evaluation(findings, gatherMs);
    return last;
  }

  async function applyOne(
    plan: FixPlan,
    operation: Operation,
    index: number,
    progress: (p: ApplyProgress) => void,
    signal?: AbortSignal,
  ): Promise<OperationResult> {
    const onEvent = eventSink((e) => {
      if (e.type === 'throttled')
        progress({
          phase: 'throttled',
          message: `Throttled by Azure (${e.status}), retrying in ${Math.ceil(e.retryInMs / 1000)} s`,
          retryInSeconds: Math.ceil(e.retryInMs / 1000),
        });
      if (e.type === 'lro') progress({ phase: 'lro', message: `Waiting for Azure to finish (${e.status})` });
    });
    let waited = 0;
    let step = propagation.firstStepMs;
    for (;;) {
      progress({ phase: 'write', message: describeOperation(operation), operationIndex: index, operationCount: plan.operations.length });
      const entry = journal.begin(plan.id, operation);
      let result: OperationResult;
      try {
        result = await gateway.apply(operation, { signal, onEvent });
      } catch (e) {
        // No answer (abort, crash of the request): the write may or may not have happened.
        journal.finish(entry, 'unknown', { message: (e as Error).message });
        throw e;
      }
      // A 5xx, a reset or a timeout may come after Azure made the change: that outcome is unknown until read.
      const uncertain = result.outcome === 'failed' && ['Transient', 'Network', 'Aborted'].includes(result.error?.kind ?? '');
      journal.finish(entry, result.outcome === 'applied' ? 'done' : uncertain ? 'unknown' : result.outcome, {
        message: result.message,
        before: result.before,
        after: result.after,
      });
      // "already" gone counts as removed too: the journal must stop offering it for cleanup.
      const undone = result.outcome !== 'failed' ? operationSpec(operation).undoes?.(operation) : undefined;
      if (undone) journal.markRemoved(undone);
      const propagating =
        result.outcome === 'failed' &&
        rbacGrantedAt !== undefined &&
        PROPAGATION_SIGNS.test(`${result.error?.code ?? ''} ${result.message}`);
      if (!propagating || waited >= propagation.maxWaitMs) return result;
      // The grant was made minutes ago at most: wait with a visible countdown, then try again.
      const wait = Math.min(step, propagation.maxWaitMs - waited);
      await countdown(wait, 'Access was granted moments ago; Azure RBAC can take minutes to apply. Retrying in', progress, signal);
      waited += wait;
      step = Math.min(step * 2, propagation.maxStepMs);
    }
  }

  async function countdown(ms: number, message: string, progress: (p: ApplyProgress) => void, signal?: AbortSignal): Promise<void> {
    for (let left = Math.ceil(ms / 1000); left > 0; left--) {
      progress({ phase: 'propagation', message: `${message} ${left} s`, secondsLeft: left });
      await sleep(1000, signal);
    }
  }

  /**
   * A grant is written at once but honoured only after RBAC caches refresh: re-check with a visible
   * countdown (backing off) until the fixed check passes or the wait is over. Cancelling ends the wait only.
   */
  async function awaitPropagation(
    plan: FixPlan,
    progress: (p: ApplyProgress) => void,
    signal: AbortSignal | undefined,
    reapply: boolean,
  ): Promise<Evaluation | undefined> {
    let waited = 0;
    let step = propagation.firstStepMs;
    let evaluation: Evaluation | undefined;
    try {
      while (waited < propagation.maxWaitMs) {
        const wait = Math.min(step, propagation.maxWaitMs - waited);
        await countdown(
          wait,
          `Granted; waiting for Azure RBAC to honour it before ${plan.checkId} can pass. Re-checking in`,
          progress,
          signal,
        );
        waited += wait;
        step = Math.min(step * 2, propagation.maxStepMs);
        // A refresh or a certificate fetch happens once per write: try it again now that the grant may count.
        if (reapply) for (const [i, operation] of plan.operations.entries()) await applyOne(plan, operation, i, progress, signal);
        progress({ phase: 'recheck', message: 'Re-checking' });
        evaluation = await evaluate({ signal });
        if (evaluation.findings.find((f) => f.checkId === plan.checkId)?.status === 'pass') break;
      }
    } catch (e) {
      transcript.note(`Stopped waiting for ${plan.checkId} to pass: ${(e as Error).message}`);
    }
    return evaluation;
  }

  async function apply(plan: FixPlan, opts: { signal?: AbortSignal; onProgress?: (p: ApplyProgress) => void } = {}): Promise<ApplyOutcome> {
    const progress = opts.onProgress ?? (() => {});
    if (context.readOnly) {
      return { ok: false, message: 'Read-only mode: nothing was written. Run without --read-only to apply fixes.', results: [] };
    }
    // A deployment stack's deny assignment refuses the write whatever the roles: say so, send nothing.
    if (plan.denied) {
      const message = `Not applied: ${plan.denied.message}`;
      transcript.note(`${plan.id}: ${message}`);
      return { ok: false, message, results: [] };
    }
    if (last) {
      progress({ phase: 'permission', message: 'Checking that you may apply this fix' });
      const permission = fixPermission(plan, last.facts);
      if (permission.allowed === false) {
        const message = `Not applied: you need ${permission.needs} (missing ${permission.missing.join(', ')}). Ask an owner of the resource, or apply the az command from the preview with an account that has it.`;
        transcript.note(`${plan.id}: ${message}`);
        return { ok: false, message, results: [] };
      }
    }
    transcript.fixStarted(plan);
    const results: OperationResult[] = [];
    try {
      for (const [i, operation] of plan.operations.entries()) {
        const result = await applyOne(plan, operation, i, progress, opts.signal);
        results.push(result);
        if (result.outcome === 'failed') break;
        if (operationSpec(operation).grantsAccess) rbacGrantedAt = clock().getTime();
      }
    } catch (e) {
      const message = `Interrupted: ${(e as Error).message}. The journal records the write as of unknown outcome; re-check to see the real state.`;
      transcript.fixFinished(plan, false, message, results);
      return { ok: false, message, results };
    }
    const failed = results.find((r) => r.outcome === 'failed');
    const lost = results.flatMap((r) => r.lost);
    progress({ phase: 'recheck', message: 'Re-checking' });
    let evaluation: Evaluation | undefined;
    let after: Finding | undefined;
    try {
      evaluation = await evaluate({ signal: opts.signal });
      after = evaluation.findings.find((f) => f.checkId === plan.checkId);
    } catch (e) {
      transcript.note(`Re-check after ${plan.id} failed: ${(e as Error).message}`);
    }
    // Still failing right after a grant made in this run (the grant itself, or what needed it): propagation.
    const grantRecent = rbacGrantedAt !== undefined && clock().getTime() - rbacGrantedAt < propagation.maxWaitMs;
    const blockedByGrant = !!after && grantRecent && PROPAGATION_SIGNS.test(`${after.cause} ${after.evidence.join(' ')}`);
    if (
      !failed &&
      lost.length === 0 &&
      after &&
      after.status !== 'pass' &&
      (plan.propagation === 'rbac' || (blockedByGrant && after.status !== 'info'))
    ) {
      evaluation = (await awaitPropagation(plan, progress, opts.signal, plan.propagation !== 'rbac')) ?? evaluation;
      after = evaluation?.findings.find((f) => f.checkId === plan.checkId);
    }
    const ok = !failed && lost.length === 0;
    const message = failed
      ? `Failed: ${failed.error?.message ?? failed.message}${failed.error?.hint ? ` — ${failed.error.hint}` : ''}`
      : lost.length
        ? `Applied, but these existing entries are missing afterwards: ${lost.join(', ')}. Someone else may be editing this resource; check it before going on.`
        : results.every((r) => r.outcome === 'already')
          ? 'Nothing to do: already in place.'
          : after && after.status !== 'pass' && after.status !== 'info'
            ? `Applied and verified, but ${after.checkId} is still ${after.status}: ${after.cause}`
            : `Applied and verified${after ? ` — ${after.checkId} is now ${after.status}` : ''}.`;
    transcript.fixFinished(plan, ok, message, results);
    return { ok, message, results, after, evaluation };
  }

  return {
    context,
    target,
    evaluate,
    apply,
    setIntent(next) {
      intent = next;
    },
    async listVaultCertificates(opts = {}) {
      const vault = last?.facts.vault;
      if (!vault || !vault.ok) {
        return {
          ok: false,
          unknown: vault && !vault.ok ? vault.unknown : 'Error',
          message: vault && !vault.ok ? vault.message : 'The key vault has not been read yet: run the checks first.',
        };
      }
      return gateway.listVaultCertificates(vault.value.vaultUri, { signal: opts.signal, onEvent: eventSink() });
    },
    checkPfxFile(path: string) {
      return checkPfxFile(path);
    },
    async inspectPfx(path: string, password: Secret) {
      const opened = await openPfx(path, password);
      inspected = opened.pfx ? { path, pfx: opened.pfx } : undefined;
      return opened.inspection;
    },
    readPfx(path: string) {
      // The bytes inspected are the bytes uploaded: the file is not read a second time.
      if (inspected?.path === path) return Promise.resolve(inspected.pfx);
      return readPfxSecret(path);
    },
    temporaryChanges() {
      return journal.temporaryChanges();
    },
    transcript() {
      return transcript.markdown();
    },
    saveTranscript() {
      const path = options.transcriptPath;
      if (!path) throw new Error('No transcript file was set for this run.');
      // Owner-only, even over an older 0644 transcript, and never through a planted symlink.
      writePrivateFile(path, transcript.markdown());
      return path;
    },
  };
}
