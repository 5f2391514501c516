// Owns the reducer and the engine; turns intents into engine calls. The engine arrives later (the Azure
// SDKs load behind loadEngine) so the first frame never waits for it.
import { useStdout } from 'ink';
import { useEffect, useMemo, useReducer, useRef, type ReactNode } from 'react';
import type { CertificateIntent } from '../checks/facts.ts';
import type { FixPlan } from '../checks/types.ts';
import type { RunbookEngine, RunContext } from '../runbook/engine-types.ts';
import { fixable, fixableInOrder, markTried, nextFix } from '../runbook/fix-sequence.ts';
import { describeEvent, noteEvent, type LiveActivity } from './activity-text.ts';
import { addExitSummary, summaryLines, type FixRecord } from './exit-summary.ts';
import { copiedNotice, osc52 } from './clipboard.ts';
import { describeError } from './describe-error.ts';
import { ActionsContext, StateContext, type RunbookActions } from './runbook-context.ts';
import type { SignInPrompt } from './sign-in-prompt.ts';
import { initialState, reducer, writeInFlight, type FixOrigin, type State } from './state.ts';

/** Fix-all's last word: what was applied, skipped, and what still fails (with or without a fix). */
export function fixAllSummary(handled: readonly string[], skipped: readonly string[], evaluation: State['evaluation']): string {
  const failing = evaluation?.findings.filter((f) => f.status === 'fail') ?? [];
  const withFix = evaluation?.findings.filter(fixable).length ?? 0;
  // Counts first: a notice line is cut at the terminal's width, the ids can go.
  const still = failing.length
    ? `${failing.length} still failing${withFix ? ` (${withFix} with a fix: F again)` : ''}`
    : 'nothing fails now';
  return `Fix all: ${handled.length - skipped.length} run, ${skipped.length} skipped · ${still}${skipped.length ? ` · skipped: ${skipped.join(', ')}` : ''}`;
}

/** The abort reason when the operator stops a wait (Esc while applying). */
const STOPPED = new Error('stopped waiting by the operator');

/** Exit codes runTui returns. */
export const EXIT = { ok: 0, connect: 2, interrupted: 130 } as const;

export interface RunbookProviderProps {
  context: RunContext;
  loadEngine: () => Promise<RunbookEngine>;
  onExit: (code: number) => void;
  /** Where a device code sign-in's message arrives. */
  signIn?: SignInPrompt;
  children: ReactNode;
}

/** The certificate-adding fix the engine planned for an intent (step 5). */
function certificatePlan(state: Pick<State, 'evaluation'>, kind: CertificateIntent['kind']): FixPlan | undefined {
  const op = kind === 'keyVault' ? 'apim.putKeyVaultCertificate' : 'apim.uploadCertificate';
  return state.evaluation?.findings.find((f) => f.fix?.operations.some((o) => o.kind === op))?.fix;
}

export function RunbookProvider({ context, loadEngine, onExit, signIn, children }: RunbookProviderProps) {
  const [state, dispatch] = useReducer(reducer, context, initialState);
  const engineRef = useRef<RunbookEngine | undefined>(undefined);
  // Intents read the latest state through a ref so the actions object stays stable.
  const stateRef = useRef(state);
  stateRef.current = state;
  const applyAbort = useRef<AbortController | undefined>(undefined);
  // What the running check last did (see activity-text.ts); read by the spinner, not rendered from state.
  const live = useRef<LiveActivity>({ requests: 0 });
  // Every fix attempted this session, for the summary printed on exit.
  const fixes = useRef<FixRecord[]>([]);
  const exitRef = useRef(onExit);
  exitRef.current = onExit;
  const { stdout } = useStdout();
  const stdoutRef = useRef(stdout);
  stdoutRef.current = stdout;

  const actions = useMemo<RunbookActions>(() => {
    const engine = () => {
      if (!engineRef.current) throw new Error('Not connected yet.');
      return engineRef.current;
    };
    const evaluate = async () => {
      if (!engineRef.current) return undefined;
      live.current = { requests: 0 };
      dispatch({ type: 'checkStarted', at: Date.now() });
      try {
        // Throttling during a check is retried by the pipeline; say so, or the screen looks hung.
        const evaluation = await engine().evaluate({
          onEvent: (e) => {
            // Not a dispatch: the spinner reads it at its tick (every 2 s), so a burst of requests
            // costs no extra frames (over SSH every frame is bytes).
            live.current = noteEvent(live.current, describeEvent(e), e.type === 'request');
            if (e.type === 'throttled')
              dispatch({
                type: 'notice',
                notice: {
                  tone: 'info',
                  text: `▲ throttled by Azure (${e.status}), retrying in ${Math.ceil(e.retryInMs / 1000)} s`,
                  whileChecking: true,
                },
              });
          },
        });
        dispatch({ type: 'checked', evaluation });
        // An earlier run's unfinished writes come first: what reading Azure now says about them.
        const notes = evaluation.journalNotes;
        if (notes.length)
          dispatch({
            type: 'notice',
            notice: { tone: 'info', text: `${notes[0]}${notes.length > 1 ? ` (+${notes.length - 1} more in the transcript, l)` : ''}` },
          });
        stateRef.current = { ...stateRef.current, evaluation };
        return evaluation;
      } catch (e) {
        dispatch({ type: 'checkFailed', error: describeError(e) });
        return undefined;
      }
    };
    const continueAll = () => {
      const fix = stateRef.current.fix;
      if (!fix?.all) return dispatch({ type: 'closeFix' });
      const tried = markTried(fix.all.tried, fix.plan);
      const handled = tried.checks;
      // Left at the preview (s): skipped. Otherwise it ran, and its result says how it went.
      const skipped = fix.phase === 'preview' ? [...(fix.all.skipped ?? []), fix.plan.checkId] : (fix.all.skipped ?? []);
      const evaluation = stateRef.current.evaluation;
      const next = evaluation ? nextFix(evaluation, tried) : undefined;
      if (next?.fix) {
        dispatch({ type: 'previewFix', plan: next.fix, from: fix.from, all: { tried, skipped, total: fix.all.total } });
      } else {
        dispatch({ type: 'closeFix' });
        dispatch({ type: 'notice', notice: { tone: 'info', text: fixAllSummary(handled, skipped, evaluation) } });
      }
    };
    const finish = (code: number) => {
      const e = engineRef.current;
      const s = stateRef.current;
      const stillFailing = s.evaluation?.findings.filter((f) => f.status === 'fail').map((f) => f.checkId) ?? [];
      let transcript: string | undefined;
      // A session that wrote to Azure keeps its record (not in the sandbox, where nothing real changed).
      if (e && fixes.current.length && !s.context.sandbox) {
        try {
          transcript = e.saveTranscript();
        } catch {
          transcript = undefined;
        }
      }
      if (s.evaluation) addExitSummary(summaryLines(fixes.current, e?.temporaryChanges() ?? [], stillFailing, transcript));
      exitRef.current(code);
    };
    return {
      recheck: async () => {
        await evaluate();
      },
      select: (value) => dispatch({ type: 'select', value }),
      toggleWhy: () => dispatch({ type: 'toggleWhy' }),
      showOverlay: (overlay) => dispatch({ type: 'overlay', overlay }),
      open: (screen) => dispatch({ type: 'open', screen }),
      previewFix: (plan, from: FixOrigin = 'checklist') => dispatch({ type: 'previewFix', plan, from }),
      fixAll: () => {
        const evaluation = stateRef.current.evaluation;
        const failing = evaluation ? fixableInOrder(evaluation) : [];
        if (failing.length === 0) {
          dispatch({ type: 'notice', notice: { tone: 'info', text: 'Fix all: no failing check has a fix.' } });
          return;
        }
        dispatch({
          type: 'previewFix',
          plan: failing[0].fix!,
          from: 'checklist',
          all: { tried: { checks: [], plans: [] }, total: failing.length },
        });
      },
      applyFix: async () => {
        const fix = stateRef.current.fix;
        if (!fix || fix.phase !== 'preview') return;
        if (stateRef.current.context.readOnly) {
          dispatch({
            type: 'notice',
            notice: {
              tone: 'info',
              text: 'Read-only mode: fixes are shown, never applied.',
              hint: 'Run without --read-only to apply them.',
            },
          });
          return;
        }
        const controller = new AbortController();
        applyAbort.current = controller;
        dispatch({ type: 'applyStarted', at: Date.now() });
        // Esc while waiting: the engine may end with an "interrupted" outcome or reject; either way what
        // happened is settled by reading Azure (the journal keeps the write as of unknown outcome meanwhile).
        const stoppedView = {
          what: 'Stopped waiting. Whether the change took effect is settled by reading Azure: the re-check below, and the journal on the next run.',
          hint: 'Press r to re-check again later.',
        };
        const stopped = () => controller.signal.aborted && controller.signal.reason === STOPPED;
        try {
          const outcome = await engine().apply(fix.plan, {
            signal: controller.signal,
            onProgress: (progress) => dispatch({ type: 'progress', progress }),
          });
          if (stopped()) throw STOPPED;
          fixes.current.push({ checkId: fix.plan.checkId, title: fix.plan.title, outcome: outcome.ok ? 'applied' : 'failed' });
          dispatch({ type: 'applied', outcome });
          if (outcome.evaluation) stateRef.current = { ...stateRef.current, evaluation: outcome.evaluation };
        } catch (e) {
          fixes.current.push({ checkId: fix.plan.checkId, title: fix.plan.title, outcome: stopped() ? 'stopped' : 'failed' });
          dispatch({ type: 'applyFailed', error: stopped() ? stoppedView : describeError(e) });
          if (stopped()) await evaluate();
        } finally {
          applyAbort.current = undefined;
        }
      },
      stopWaiting: () => applyAbort.current?.abort(STOPPED),
      activity: () => live.current.detail,
      nextFix: continueAll,
      back: () => dispatch({ type: 'closeFix' }),
      quit: () => {
        // Ask first while a write runs, or while a temporary firewall rule apimkv added is still open.
        if (writeInFlight(stateRef.current) || (engineRef.current?.temporaryChanges().length ?? 0) > 0) dispatch({ type: 'askQuit' });
        else finish(stateRef.current.connection.kind === 'failed' ? EXIT.connect : EXIT.ok);
      },
      confirmQuit: (code: number = EXIT.ok) => {
        // The engine journals an aborted write as "unknown outcome"; the next run re-checks it.
        applyAbort.current?.abort(new Error('quit by the operator'));
        finish(code);
      },
      cancelQuit: () => dispatch({ type: 'cancelQuit' }),
      notify: (notice) => dispatch({ type: 'notice', notice }),
      chooseCertificate: async (intent, from, despite) => {
        engine().setIntent(intent);
        const evaluation = await evaluate();
        if (!evaluation)
          return { what: 'The re-check after choosing the certificate failed.', hint: 'Press r on the checklist to try again.' };
        const plan = certificatePlan({ evaluation }, intent.kind);
        // The identity chosen for a Key Vault reference lacks access: say so before the preview, with the check's fix.
        const lacking =
          intent.kind === 'keyVault' && !despite
            ? evaluation.findings.filter((f) => (f.step === 'access' || f.step === 'firewall') && !f.about && f.status === 'fail')
            : [];
        if (plan && lacking.length) {
          const first = lacking[0]!;
          return {
            what: `Warning: ${lacking.map((f) => f.checkId).join(', ')} ${lacking.length === 1 ? 'fails' : 'fail'} for this identity, so API Management may be unable to fetch the certificate. ${first.checkId}: ${first.cause}`,
            hint: first.fix
              ? `f fixes ${first.checkId} first (${first.fix.title}); Enter previews the certificate anyway.`
              : 'Enter previews the certificate anyway.',
            warning: first.fix ? { plan: first.fix } : {},
          };
        }
        if (plan) {
          dispatch({ type: 'previewFix', plan, from });
          return undefined;
        }
        const blocking = evaluation.findings.find((f) => f.step === 'certificate' && f.status === 'fail');
        return blocking
          ? {
              what: `Not ready to add it: ${blocking.title}. ${blocking.cause.replace(/^Not ready: /, '')}`,
              hint: blocking.fix ? `Fix ${blocking.checkId} first (f on the checklist).` : undefined,
            }
          : { what: 'The checks did not produce a certificate fix for this choice.', hint: 'See step 5 on the checklist.' };
      },
      listVaultCertificates: (signal) => engine().listVaultCertificates({ signal }),
      checkPfxFile: (path) => engine().checkPfxFile(path),
      inspectPfx: (path, password, signal) => engine().inspectPfx(path, password, signal),
      readPfx: (path) => engine().readPfx(path),
      temporaryChanges: () => engineRef.current?.temporaryChanges() ?? [],
      transcript: () => engineRef.current?.transcript() ?? '',
      copy: (text, what) => {
        // Straight to the stream, not through Ink: the sequence draws nothing and moves no cursor.
        stdoutRef.current.write(osc52(text));
        dispatch({ type: 'notice', notice: { tone: 'info', text: copiedNotice(what) } });
      },
      saveTranscript: () => {
        try {
          dispatch({ type: 'notice', notice: { tone: 'info', text: `Transcript written to ${engine().saveTranscript()}` } });
        } catch (e) {
          dispatch({ type: 'notice', notice: { tone: 'error', text: `The transcript could not be written: ${(e as Error).message}` } });
        }
      },
    };
  }, []);

  useEffect(() => {
    if (!signIn) return;
    const show = () => dispatch({ type: 'signInPrompt', message: signIn.current });
    show();
    return signIn.subscribe(show);
  }, [signIn]);

  useEffect(() => {
    let live = true;
    loadEngine().then(
      (engine) => {
        if (!live) return;
        engineRef.current = engine;
        dispatch({ type: 'connected', context: engine.context });
        void actions.recheck();
      },
      (e: unknown) => {
        if (live) dispatch({ type: 'connectFailed', error: describeError(e) });
      },
    );
    return () => {
      live = false;
      applyAbort.current?.abort(new Error('closed'));
    };
  }, [loadEngine, actions]);

  return (
    <ActionsContext.Provider value={actions}>
      <StateContext.Provider value={state}>{children}</StateContext.Provider>
    </ActionsContext.Provider>
  );
}
