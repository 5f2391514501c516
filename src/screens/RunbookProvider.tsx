// Owns the reducer and the engine; turns intents into engine calls. The engine arrives later (the Azure
// SDKs load behind loadEngine) so the first frame never waits for it.
import { useEffect, useMemo, useReducer, useRef, type ReactNode } from 'react';
import type { CertificateIntent } from '../checks/facts.ts';
import type { FixPlan } from '../checks/types.ts';
import type { RunbookEngine, RunContext } from '../runbook/engine-types.ts';
import { fixableInOrder, markTried, nextFix } from '../runbook/fix-sequence.ts';
import { describeError } from './describe-error.ts';
import { ActionsContext, StateContext, type RunbookActions } from './runbook-context.ts';
import type { SignInPrompt } from './sign-in-prompt.ts';
import { initialState, reducer, writeInFlight, type FixOrigin, type State } from './state.ts';

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
  const exitRef = useRef(onExit);
  exitRef.current = onExit;

  const actions = useMemo<RunbookActions>(() => {
    const engine = () => {
      if (!engineRef.current) throw new Error('Not connected yet.');
      return engineRef.current;
    };
    const evaluate = async () => {
      if (!engineRef.current) return undefined;
      dispatch({ type: 'checkStarted' });
      try {
        // Throttling during a check is retried by the pipeline; say so, or the screen looks hung.
        const evaluation = await engine().evaluate({
          onEvent: (e) => {
            if (e.type === 'throttled') dispatch({ type: 'notice', notice: { tone: 'info', text: `▲ throttled by Azure (${e.status}), retrying in ${Math.ceil(e.retryInMs / 1000)} s`, whileChecking: true } });
          },
        });
        dispatch({ type: 'checked', evaluation });
        // An earlier run's unfinished writes come first: what reading Azure now says about them.
        const notes = evaluation.journalNotes;
        if (notes.length) dispatch({ type: 'notice', notice: { tone: 'info', text: `${notes[0]}${notes.length > 1 ? ` (+${notes.length - 1} more in the transcript, l)` : ''}` } });
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
      const evaluation = stateRef.current.evaluation;
      const next = evaluation ? nextFix(evaluation, tried) : undefined;
      if (next?.fix) {
        dispatch({ type: 'previewFix', plan: next.fix, from: fix.from, all: { tried, total: fix.all.total } });
      } else {
        dispatch({ type: 'closeFix' });
        dispatch({ type: 'notice', notice: { tone: 'info', text: `Fix all: went through ${handled.length} fix${handled.length === 1 ? '' : 'es'}; nothing else failing has a fix.` } });
      }
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
        dispatch({ type: 'previewFix', plan: failing[0].fix!, from: 'checklist', all: { tried: { checks: [], plans: [] }, total: failing.length } });
      },
      applyFix: async () => {
        const fix = stateRef.current.fix;
        if (!fix || fix.phase !== 'preview') return;
        if (stateRef.current.context.readOnly) {
          dispatch({ type: 'notice', notice: { tone: 'info', text: 'Read-only mode: fixes are shown, never applied.', hint: 'Run without --read-only to apply them.' } });
          return;
        }
        const controller = new AbortController();
        applyAbort.current = controller;
        dispatch({ type: 'applyStarted' });
        try {
          const outcome = await engine().apply(fix.plan, { signal: controller.signal, onProgress: (progress) => dispatch({ type: 'progress', progress }) });
          dispatch({ type: 'applied', outcome });
          if (outcome.evaluation) stateRef.current = { ...stateRef.current, evaluation: outcome.evaluation };
        } catch (e) {
          dispatch({ type: 'applyFailed', error: describeError(e) });
        } finally {
          applyAbort.current = undefined;
        }
      },
      nextFix: continueAll,
      back: () => dispatch({ type: 'closeFix' }),
      quit: () => {
        if (writeInFlight(stateRef.current)) dispatch({ type: 'askQuit' });
        else exitRef.current(stateRef.current.connection.kind === 'failed' ? EXIT.connect : EXIT.ok);
      },
      confirmQuit: (code: number = EXIT.ok) => {
        // The engine journals an aborted write as "unknown outcome"; the next run re-checks it.
        applyAbort.current?.abort(new Error('quit by the operator'));
        exitRef.current(code);
      },
      cancelQuit: () => dispatch({ type: 'cancelQuit' }),
      notify: (notice) => dispatch({ type: 'notice', notice }),
      chooseCertificate: async (intent, from) => {
        engine().setIntent(intent);
        const evaluation = await evaluate();
        if (!evaluation) return { what: 'The re-check after choosing the certificate failed.', hint: 'Press r on the checklist to try again.' };
        const plan = certificatePlan({ evaluation }, intent.kind);
        if (plan) {
          dispatch({ type: 'previewFix', plan, from });
          return undefined;
        }
        const blocking = evaluation.findings.find((f) => f.step === 'certificate' && f.status === 'fail');
        return blocking
          ? { what: `Not ready to add it: ${blocking.title}. ${blocking.cause.replace(/^Not ready: /, '')}`, hint: blocking.fix ? `Fix ${blocking.checkId} first (f on the checklist).` : undefined }
          : { what: 'The checks did not produce a certificate fix for this choice.', hint: 'See step 5 on the checklist.' };
      },
      listVaultCertificates: (signal) => engine().listVaultCertificates({ signal }),
      inspectPfx: (path, password) => engine().inspectPfx(path, password),
      readPfx: (path) => engine().readPfx(path),
      temporaryChanges: () => engineRef.current?.temporaryChanges() ?? [],
      transcript: () => engineRef.current?.transcript() ?? '',
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
