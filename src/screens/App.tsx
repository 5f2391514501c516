// The whole screen: header, then the current screen (or an overlay), sized to the terminal exactly.
// Global keys live here: Ctrl-C, help, transcript, quit (and the quit confirmation).
import { Box, Text, useInput, useWindowSize } from 'ink';
import { HoldKeys, useKeyGate } from './key-gate.ts';
import { lazy, Suspense, useContext, useRef } from 'react';
import type { RunbookEngine, RunContext } from '../runbook/engine-types.ts';
import { Checklist } from './Checklist.tsx';
import { Header, HEADER_ROWS } from './Header.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { keyFor, type KeyContext } from './keys.ts';
import { KeyScopeContext } from './runbook-context.ts';
import { EXIT, RunbookProvider } from './RunbookProvider.tsx';
import { cleanupPlan } from './cleanup-plan.ts';
import { writeInFlight } from './state.ts';
import { truncate } from './text.ts';
import { THEME } from './theme.ts';
import { TranscriptPanel } from './TranscriptPanel.tsx';
import { useKeyScope } from './use-key-scope.ts';
import type { SignInPrompt } from './sign-in-prompt.ts';
import { keypresses } from './use-keys.ts';
import { useRunbook } from './use-runbook.ts';
import { useRunbookActions } from './use-runbook-actions.ts';
import { useSuspendKey } from './use-suspend.ts';

// Only the checklist is needed for the first frame; the other screens load when first opened (a few ms).
const FixFlow = lazy(() => import('./FixFlow.tsx').then((m) => ({ default: m.FixFlow })));
const AddCertificate = lazy(() => import('./AddCertificate.tsx').then((m) => ({ default: m.AddCertificate })));
const UploadPfx = lazy(() => import('./UploadPfx.tsx').then((m) => ({ default: m.UploadPfx })));

/** The smallest terminal the layout is designed for. */
export const MIN_SIZE = { columns: 80, rows: 24 } as const;

export interface AppProps {
  context: RunContext;
  loadEngine: () => Promise<RunbookEngine>;
  onExit: (code: number) => void;
  /** Where a device code sign-in's message arrives (shown until the code is entered). */
  signIn?: SignInPrompt;
}

export function App({ context, loadEngine, onExit, signIn }: AppProps) {
  // The scope is a plain mutable box: whoever has the keyboard writes it while rendering.
  const scope = useRef<KeyContext>('blocked');
  return (
    <KeyScopeContext.Provider value={scope}>
      <RunbookProvider context={context} loadEngine={loadEngine} onExit={onExit} signIn={signIn}>
        <Shell />
      </RunbookProvider>
    </KeyScopeContext.Provider>
  );
}

function TooSmall({ columns, rows }: { columns: number; rows: number }) {
  useKeyScope('blocked', true);
  const lines = [
    `terminal too small (need ${MIN_SIZE.columns}x${MIN_SIZE.rows}, have ${columns}x${rows})`,
    'enlarge the window, or press q to quit',
  ];
  return (
    <Box flexDirection="column" width={columns} height={Math.min(rows, lines.length)} overflow="hidden">
      {lines.map((l) => (
        <Text key={l} color={THEME.caution} wrap="truncate">
          {truncate(l, columns)}
        </Text>
      ))}
    </Box>
  );
}

function Shell() {
  const { columns, rows } = useWindowSize();
  const state = useRunbook();
  const actions = useRunbookActions();
  const scope = useContext(KeyScopeContext);
  const tooSmall = columns < MIN_SIZE.columns || rows < MIN_SIZE.rows;
  useSuspendKey();
  // Installed before any key arrives: typed-ahead keys then wait for the screen they were meant for.
  useKeyGate();
  // Help lists the keys of the screen it was opened from (the overlay itself then has the keyboard).
  const helpFor = useRef<KeyContext>('checklist');

  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      actions.confirmQuit(EXIT.interrupted);
      return;
    }
    if (state.confirmQuit) {
      const cleanup = !writeInFlight(state) && actions.temporaryChanges().length ? cleanupPlan(state.evaluation) : undefined;
      if (input === 'y') actions.confirmQuit();
      else if (input === 'n' || key.escape) actions.cancelQuit();
      else if (input === 'c' && cleanup) {
        actions.cancelQuit();
        actions.previewFix(cleanup);
      }
      return;
    }
    const context = tooSmall ? 'blocked' : scope.current;
    for (const [ch, k] of keypresses(context, input, key)) {
      switch (keyFor(context, ch, k)?.id) {
        case 'quit':
          return actions.quit();
        case 'help':
          if (tooSmall) return;
          if (state.overlay !== 'help') helpFor.current = context === 'overlay' ? helpFor.current : context;
          return actions.showOverlay(state.overlay === 'help' ? undefined : 'help');
        case 'transcript':
          return actions.showOverlay(state.overlay === 'transcript' ? undefined : 'transcript');
        case 'saveTranscript':
          return actions.saveTranscript();
        case 'back':
          if (state.overlay) actions.showOverlay(undefined);
          return;
        default:
      }
    }
  });

  if (tooSmall) return <TooSmall columns={columns} rows={rows} />;

  const bodyRows = rows - HEADER_ROWS;
  // Screens stay mounted under an overlay (a wizard keeps its place) but give up the keyboard.
  const active = !state.overlay && !state.confirmQuit;
  const screen =
    state.screen === 'fix' ? (
      <FixFlow width={columns} height={bodyRows} active={active} />
    ) : state.screen === 'certificate' ? (
      <AddCertificate width={columns} height={bodyRows} active={active} />
    ) : state.screen === 'upload' ? (
      <UploadPfx width={columns} height={bodyRows} active={active} />
    ) : (
      <Checklist width={columns} height={bodyRows} active={active} />
    );
  return (
    <Box flexDirection="column" width={columns} height={rows} overflow="hidden">
      <Header width={columns} />
      <Box display={state.overlay ? 'none' : 'flex'} flexDirection="column" height={bodyRows}>
        <Suspense
          fallback={
            <HoldKeys>
              <Text color={THEME.muted}>loading…</Text>
            </HoldKeys>
          }
        >
          {screen}
        </Suspense>
      </Box>
      {state.overlay === 'help' && <HelpOverlay width={columns} height={bodyRows} context={helpFor.current} />}
      {state.overlay === 'transcript' && <TranscriptPanel width={columns} height={bodyRows} />}
    </Box>
  );
}

export { EXIT };
