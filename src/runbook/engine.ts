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
import { abortableSleep, backoffWaits, countdown, DEFAULT_PROPAGATION, type PropagationPolicy } from './backoff.ts';

export type { PropagationPolicy } from './backoff.ts';

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

/** Errors that mean "the grant exists but is not honoured yet" (RBAC caching). */
const PROPAGATION_SIGNS = /ForbiddenByRbac|propagation|recently granted|does not have secrets get permission|ForbiddenByPolicy/i;

/** Writes left without an outcome (a kill, a crash, a Ctrl-C; not this run's in flight) are settled by reading. */
function settleJournal(journal: Journal, transcript: Transcript, facts: Facts): string[] {
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

/** One write through the gateway, journalled before it is sent and after it answers. */
async function journalledWrite(
  gateway: Gateway,
  journal: Journal,
  planId: string,
  operation: Operation,
  call: CallOptions,
): Promise<OperationResult> {
  const entry = journal.begin(planId, operation);
  let result: OperationResult;
  try {
    result = await gateway.apply(operation, call);
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
  return result;
}

/** Why nothing may be sent for this plan (read-only, a deny assignment, a missing permission), if anything. */
function refusal(
  plan: FixPlan,
  context: RunContext,
  last: Evaluation | undefined,
  progress: (p: ApplyProgress) => void,
): string | undefined {
  if (context.readOnly) return 'Read-only mode: nothing was written. Run without --read-only to apply fixes.';
  // A deployment stack's deny assignment refuses the write whatever the roles: say so, send nothing.
  if (plan.denied) return `Not applied: ${plan.denied.message}`;
  if (!last) return undefined;
  progress({ phase: 'permission', message: 'Checking that you may apply this fix' });
  const permission = fixPermission(plan, last.facts);
  if (permission.allowed !== false) return undefined;
  return `Not applied: you need ${permission.needs} (missing ${permission.missing.join(', ')}). Ask an owner of the resource, or apply the az command from the preview with an account that has it.`;
}

/**
 * After a clean write whose check still does not pass: wait for RBAC when the plan is a grant, or when the
 * check is blocked by a grant made moments ago in this run (the grant itself, or what needed it).
 */
function shouldAwaitPropagation(plan: FixPlan, after: Finding, grantRecent: boolean): boolean {
  if (after.status === 'pass') return false;
  if (plan.propagation === 'rbac') return true;
  return grantRecent && after.status !== 'info' && PROPAGATION_SIGNS.test(`${after.cause} ${after.evidence.join(' ')}`);
}

/** What the operator reads after a fix: the failure, lost entries, nothing to do, or the re-checked status. */
function outcomeMessage(results: OperationResult[], lost: string[], after: Finding | undefined): string {
  const failed = results.find((r) => r.outcome === 'failed');
  if (failed) return `Failed: ${failed.error?.message ?? failed.message}${failed.error?.hint ? ` — ${failed.error.hint}` : ''}`;
  if (lost.length)
    return `Applied, but these existing entries are missing afterwards: ${lost.join(', ')}. Someone else may be editing this resource; check it before going on.`;
  if (results.every((r) => r.outcome === 'already')) return 'Nothing to do: already in place.';
  if (after && after.status !== 'pass' && after.status !== 'info')
    return `Applied and verified, but ${after.checkId} is still ${after.status}: ${after.cause}`;
  return `Applied and verified${after ? ` — ${after.checkId} is now ${after.status}` : ''}.`;
}

/** Progress lines for the gateway's throttling and long-running-operation events. */
function gatewayProgress(progress: (p: ApplyProgress) => void): (e: GatewayEvent) => void {
  return (e) => {
    if (e.type === 'throttled')
      progress({
        phase: 'throttled',
        message: `Throttled by Azure (${e.status}), retrying in ${Math.ceil(e.retryInMs / 1000)} s`,
        retryInSeconds: Math.ceil(e.retryInMs / 1000),
      });
    if (e.type === 'lro') progress({ phase: 'lro', message: `Waiting for Azure to finish (${e.status})` });
  };
}

/** The .pfx the operator chose: checked, inspected, and the bytes inspected are the bytes uploaded. */
function pfxAccess(): Pick<RunbookEngine, 'checkPfxFile' | 'inspectPfx' | 'readPfx'> {
  /** The .pfx last inspected, as the bytes read then (what an upload of that path sends). */
  let inspected: { path: string; pfx: Secret } | undefined;
  return {
    checkPfxFile: (path) => checkPfxFile(path),
    async inspectPfx(path, password, signal) {
      const opened = await openPfx(path, password, signal);
      inspected = opened.pfx ? { path, pfx: opened.pfx } : undefined;
      return opened.inspection;
    },
    readPfx(path) {
      // The bytes inspected are the bytes uploaded: the file is not read a second time.
      if (inspected?.path === path) return Promise.resolve(inspected.pfx);
      return readPfxSecret(path);
    },
  };
}

export function createEngine(options: EngineOptions): RunbookEngine {
  const { gateway, target, context, journal } = options;
  const propagation = options.propagation ?? DEFAULT_PROPAGATION;
  const sleep = options.sleep ?? abortableSleep;
  const clock = options.clock ?? (() => new Date());
  const transcript = new Transcript(context, clock);
  let intent: CertificateIntent | undefined;
  let last: Evaluation | undefined;
  /** When this run last granted access through RBAC (so a 403 afterwards is probably propagation). */
  let rbacGrantedAt: number | undefined;

  const eventSink = (onEvent?: (e: GatewayEvent) => void) => (e: GatewayEvent) => {
    transcript.event(e);
    onEvent?.(e);
  };

  async function evaluate(opts: CallOptions = {}): Promise<Evaluation> {
    const t0 = Date.now();
    const gathered = await gateway.gather(target, {
      signal: opts.signal,
      onEvent: eventSink(opts.onEvent),
      ...(intent?.kind === 'keyVault' ? { secretIds: [intent.secretIdentifier] } : {}),
    });
    const journalNotes = settleJournal(journal, transcript, { ...gathered, temporaryChanges: [], ...(intent ? { intent } : {}) });
    const facts: Facts = { ...gathered, temporaryChanges: journal.temporaryChanges(), ...(intent ? { intent } : {}) };
    const findings = runChecks(facts);
    const gatherMs = Date.now() - t0;
    last = { facts, findings, steps: STEPS, gatherMs, journalNotes };
    transcript.evaluation(findings, gatherMs);
    return last;
  }

  /** One operation of a plan; a refusal while a grant of this run propagates is retried on the back-off. */
  async function applyOne(
    plan: FixPlan,
    operation: Operation,
    index: number,
    progress: (p: ApplyProgress) => void,
    signal?: AbortSignal,
  ): Promise<OperationResult> {
    const call = { signal, onEvent: eventSink(gatewayProgress(progress)) };
    const waits = backoffWaits(propagation);
    for (;;) {
      progress({ phase: 'write', message: describeOperation(operation), operationIndex: index, operationCount: plan.operations.length });
      const result = await journalledWrite(gateway, journal, plan.id, operation, call);
      const propagating =
        result.outcome === 'failed' &&
        rbacGrantedAt !== undefined &&
        PROPAGATION_SIGNS.test(`${result.error?.code ?? ''} ${result.message}`);
      const wait = propagating ? waits.next() : undefined;
      if (!wait || wait.done) return result;
      // The grant was made minutes ago at most: wait with a visible countdown, then try again.
      await countdown(
        sleep,
        wait.value,
        'Access was granted moments ago; Azure RBAC can take minutes to apply. Retrying in',
        progress,
        signal,
      );
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
    let evaluation: Evaluation | undefined;
    try {
      for (const wait of backoffWaits(propagation)) {
        await countdown(
          sleep,
          wait,
          `Granted; waiting for Azure RBAC to honour it before ${plan.checkId} can pass. Re-checking in`,
          progress,
          signal,
        );
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
    const refused = refusal(plan, context, last, progress);
    if (refused) {
      if (!context.readOnly) transcript.note(`${plan.id}: ${refused}`);
      return { ok: false, message: refused, results: [] };
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
    const grantRecent = rbacGrantedAt !== undefined && clock().getTime() - rbacGrantedAt < propagation.maxWaitMs;
    if (!failed && lost.length === 0 && after && shouldAwaitPropagation(plan, after, grantRecent)) {
      evaluation = (await awaitPropagation(plan, progress, opts.signal, plan.propagation !== 'rbac')) ?? evaluation;
      after = evaluation?.findings.find((f) => f.checkId === plan.checkId);
    }
    const ok = !failed && lost.length === 0;
    const message = outcomeMessage(results, lost, after);
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
    ...pfxAccess(),
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
