// Screen state: one reducer, a typed action union. Nothing here holds a secret: the .pfx password and
// bytes live only in the upload screen's refs and in the engine's intent.
import type { FixPlan } from '../checks/types.ts';
import type { ApplyOutcome, ApplyProgress, Evaluation, RunContext } from '../runbook/engine-types.ts';
import type { Tried } from '../runbook/fix-sequence.ts';
import { checklistRows, firstFailure } from './checklist-model.ts';
import type { ErrorView } from './describe-error.ts';

/** Which full screen is showing. */
export type ScreenKind = 'checklist' | 'fix' | 'certificate' | 'upload';

/** Where a fix flow returns to when it is done. */
export type FixOrigin = 'checklist' | 'certificate' | 'upload';

/** The fix flow: preview, then applying (progress lines), then the re-check result. */
export interface FixFlowState {
  plan: FixPlan;
  /** Present in fix-all: the checks applied or skipped so far, and how many were failing at the start. */
  all?: { tried: Tried; skipped?: string[]; total: number };
  phase: 'preview' | 'applying' | 'done';
  /** When the apply started (Date.now()), for the elapsed time. */
  startedAt?: number;
  progress: ApplyProgress[];
  outcome?: ApplyOutcome;
  error?: ErrorView;
  from: FixOrigin;
}

/** A one-line message under the body. */
export interface Notice {
  tone: 'info' | 'error';
  text: string;
  hint?: string;
  /** Only true while a check runs (e.g. "throttled, retrying"): the check's end clears it. */
  whileChecking?: boolean;
}

export type Connection = { kind: 'connecting' } | { kind: 'ready' } | { kind: 'failed'; error: ErrorView };

/** Everything the screens render from. */
export interface State {
  context: RunContext;
  connection: Connection;
  evaluation?: Evaluation;
  checking: boolean;
  /** Stable value of the selected checklist row. */
  selected?: string;
  showWhy: boolean;
  overlay?: 'help' | 'transcript';
  screen: ScreenKind;
  fix?: FixFlowState;
  confirmQuit: boolean;
  notice?: Notice;
  /** A device code sign-in waits for its code: "open … and enter the code …". */
  signIn?: string;
  /** While a check runs: since when (what it does is read live, see RunbookActions.activity). */
  activity?: { since: number };
}

/** Everything that can happen to the state. */
export type Action =
  | { type: 'connected'; context: RunContext }
  | { type: 'connectFailed'; error: ErrorView }
  | { type: 'checkStarted'; at: number }
  | { type: 'checked'; evaluation: Evaluation }
  | { type: 'checkFailed'; error: ErrorView }
  | { type: 'select'; value: string }
  | { type: 'toggleWhy' }
  | { type: 'overlay'; overlay: State['overlay'] }
  | { type: 'open'; screen: Exclude<ScreenKind, 'fix'> }
  | { type: 'previewFix'; plan: FixPlan; from: FixOrigin; all?: FixFlowState['all'] }
  | { type: 'applyStarted'; at: number }
  | { type: 'progress'; progress: ApplyProgress }
  | { type: 'applied'; outcome: ApplyOutcome }
  | { type: 'applyFailed'; error: ErrorView }
  | { type: 'closeFix' }
  | { type: 'askQuit' }
  | { type: 'cancelQuit' }
  | { type: 'notice'; notice: Notice | undefined }
  | { type: 'signInPrompt'; message: string | undefined };

export function initialState(context: RunContext): State {
  return { context, connection: { kind: 'connecting' }, checking: false, showWhy: false, screen: 'checklist', confirmQuit: false };
}

/** Progress phases that repeat with a new count: each replaces its predecessor instead of adding a line. */
const REPLACING = new Set<ApplyProgress['phase']>(['propagation', 'throttled', 'lro']);
const MAX_PROGRESS_LINES = 40;

function addProgress(lines: ApplyProgress[], p: ApplyProgress): ApplyProgress[] {
  const last = lines[lines.length - 1];
  const next = last && last.phase === p.phase && REPLACING.has(p.phase) ? [...lines.slice(0, -1), p] : [...lines, p];
  return next.slice(-MAX_PROGRESS_LINES);
}

// After the certificate itself was written the wizard is over: back to the checklist. After any other
// fix started from a wizard (the client IP rule so the vault can be listed), back to that wizard.
function closeTo(fix: FixFlowState | undefined): ScreenKind {
  if (!fix) return 'checklist';
  const wroteCertificate = fix.plan.operations.some((o) => o.kind === 'apim.putKeyVaultCertificate' || o.kind === 'apim.uploadCertificate');
  return fix.phase === 'done' && wroteCertificate ? 'checklist' : fix.from;
}

export function reducer(state: State, action: Action): State {
  switch (action.type) {
    case 'connected':
      return { ...state, context: action.context, connection: { kind: 'ready' } };
    case 'connectFailed':
      return { ...state, connection: { kind: 'failed', error: action.error } };
    case 'checkStarted':
      return { ...state, checking: true, notice: undefined, activity: { since: action.at } };
    case 'checked':
      // The first evaluation puts the cursor on the first failure; later ones keep it where it is.
      return {
        ...state,
        checking: false,
        activity: undefined,
        evaluation: action.evaluation,
        selected: state.selected ?? firstFailure(checklistRows(action.evaluation))?.value,
        notice: state.notice?.whileChecking ? undefined : state.notice,
      };
    case 'checkFailed':
      // With nothing checked yet there is no checklist to keep: it failed as a connection does (sign-in).
      if (!state.evaluation) return { ...state, checking: false, activity: undefined, connection: { kind: 'failed', error: action.error } };
      return {
        ...state,
        checking: false,
        activity: undefined,
        notice: { tone: 'error', text: `Re-check failed: ${action.error.what}`, hint: action.error.hint },
      };
    case 'select':
      return { ...state, selected: action.value };
    case 'toggleWhy':
      return { ...state, showWhy: !state.showWhy };
    case 'overlay':
      return { ...state, overlay: action.overlay };
    case 'open':
      return { ...state, screen: action.screen, notice: undefined };
    case 'previewFix':
      return {
        ...state,
        screen: 'fix',
        notice: undefined,
        fix: { plan: action.plan, from: action.from, all: action.all, phase: 'preview', progress: [] },
      };
    case 'applyStarted':
      return state.fix
        ? { ...state, fix: { ...state.fix, phase: 'applying', startedAt: action.at, progress: [], outcome: undefined, error: undefined } }
        : state;
    case 'progress':
      return state.fix?.phase === 'applying'
        ? { ...state, fix: { ...state.fix, progress: addProgress(state.fix.progress, action.progress) } }
        : state;
    case 'applied':
      if (!state.fix) return state;
      return {
        ...state,
        evaluation: action.outcome.evaluation ?? state.evaluation,
        fix: { ...state.fix, phase: 'done', outcome: action.outcome },
      };
    case 'applyFailed':
      return state.fix ? { ...state, fix: { ...state.fix, phase: 'done', error: action.error } } : state;
    case 'closeFix':
      // Never leave while a write is in flight: the result must be seen.
      if (state.fix?.phase === 'applying') return state;
      return { ...state, screen: closeTo(state.fix), fix: undefined };
    case 'askQuit':
      return { ...state, confirmQuit: true };
    case 'cancelQuit':
      return { ...state, confirmQuit: false };
    case 'notice':
      return { ...state, notice: action.notice };
    case 'signInPrompt':
      // Before the first check the connecting view shows it; later (a new scope or tenant) the notice line.
      return {
        ...state,
        signIn: action.message,
        notice:
          action.message && state.evaluation
            ? { tone: 'info', text: action.message }
            : state.signIn && state.notice?.text === state.signIn
              ? undefined
              : state.notice,
      };
  }
}

/** True while a fix is writing to Azure (quitting then asks first). */
export function writeInFlight(state: State): boolean {
  return state.fix?.phase === 'applying';
}
