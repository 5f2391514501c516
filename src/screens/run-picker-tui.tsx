// The runbook when the flags do not name the instance and vault: the target picker first (painted before
// the Azure SDKs load), then the runbook for the choice on the same connection.
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import type { CommonOptions } from '../cli-args.ts';
import type { FleetConnection } from '../app/connect.ts';
import type { RunbookEngine } from '../runbook/engine-types.ts';
import type { Target } from '../checks/ports.ts';
import type { TargetSource } from '../runbook/targets.ts';
import type { SignInPrompt } from './sign-in-prompt.ts';
import { useSignInPrompt } from './use-sign-in-prompt.ts';
import { runFleetScreen } from './fleet-screen.tsx';
import { TargetPicker, type GivenTarget } from './TargetPicker.tsx';

// The runbook's screens load behind the picker's first frame (fetched right after it, so a pick never waits).
const loadApp = () => import('./App.tsx').then((m) => ({ default: m.App }));
const App = lazy(loadApp);

interface PickAppProps {
  options: CommonOptions;
  given: GivenTarget;
  connect: () => Promise<FleetConnection>;
  signIn: SignInPrompt;
  onEngine: (engine: RunbookEngine) => void;
  onExit: (code: number) => void;
}

function PickApp({ options, given, connect, signIn, onEngine, onExit }: PickAppProps) {
  const signInMessage = useSignInPrompt(signIn);
  const [source, setSource] = useState<TargetSource>();
  const [error, setError] = useState<string>();
  const [cloud, setCloud] = useState(options.sandbox ? 'Sandbox' : (options.cloud ?? 'Azure'));
  const [target, setTarget] = useState<Target>();
  const connection = useRef<Promise<FleetConnection>>(undefined);

  useEffect(() => {
    void loadApp();
    const link = (connection.current = connect());
    link.then(
      (c) => {
        setCloud(c.cloud);
        setSource(c.targets);
      },
      (e: unknown) => setError((e as Error).message),
    );
    return () =>
      void link.then(
        (c) => c.close(),
        () => undefined,
      );
    // One connection for the screen's life, made after the first paint.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  if (target && connection.current) {
    const link = connection.current;
    return (
      <Suspense>
        <App
          context={{
            cloud,
            subscriptionId: target.subscriptionId,
            apimName: target.apim.name,
            vaultName: target.vault.name,
            sandbox: options.sandbox,
            readOnly: options.readOnly,
          }}
          loadEngine={async () => {
            const engine = (await link).engineFor(target);
            onEngine(engine);
            return engine;
          }}
          onExit={onExit}
          signIn={signIn}
        />
      </Suspense>
    );
  }
  return (
    <TargetPicker
      title={`apimkv · ${cloud} · choose the instance and vault`}
      sandbox={options.sandbox}
      source={source}
      error={error}
      signIn={signInMessage}
      given={given}
      onPick={setTarget}
      onQuit={() => onExit(0)}
    />
  );
}

/** Runs picker then runbook; resolves with the exit code and the engine (for the transcript), if one ran. */
export async function runPickerTui(options: CommonOptions, given: GivenTarget): Promise<{ code: number; engine?: RunbookEngine }> {
  let engine: RunbookEngine | undefined;
  const code = await runFleetScreen(options, 'everything-broken', ({ connect, signIn, finish }) => (
    <PickApp options={options} given={given} connect={connect} signIn={signIn} onEngine={(e) => (engine = e)} onExit={finish} />
  ));
  return { code, engine };
}
