// The runbook when the flags do not name the instance and vault: the target picker first (painted before
// the Azure SDKs load), then the runbook for the choice on the same connection. src/app/picker-tui.tsx
// runs it; this screen only renders and dispatches.
import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import type { FleetSession } from '../runbook/fleet-session.ts';
import type { RunbookEngine } from '../runbook/engine-types.ts';
import type { Target } from '../checks/ports.ts';
import type { TargetSource } from '../runbook/targets.ts';
import type { SignInPrompt } from './sign-in-prompt.ts';
import { useSignInPrompt } from './use-sign-in-prompt.ts';
import { TargetPicker, type GivenTarget } from './TargetPicker.tsx';
import { HoldKeys } from './key-gate.ts';

// The runbook's screens load behind the picker's first frame (fetched right after it, so a pick never waits).
const loadApp = () => import('./App.tsx').then((m) => ({ default: m.App }));
const App = lazy(loadApp);

export interface PickAppProps {
  /** The cloud's name until the session says (the flags' --cloud, 'Azure' or 'Sandbox'). */
  cloud: string;
  sandbox: boolean;
  readOnly: boolean;
  given: GivenTarget;
  connect: () => Promise<FleetSession>;
  signIn: SignInPrompt;
  onEngine: (engine: RunbookEngine) => void;
  onExit: (code: number) => void;
}

export function PickApp({ cloud: firstCloud, sandbox, readOnly, given, connect, signIn, onEngine, onExit }: PickAppProps) {
  const signInMessage = useSignInPrompt(signIn);
  const [source, setSource] = useState<TargetSource>();
  const [error, setError] = useState<string>();
  const [cloud, setCloud] = useState(firstCloud);
  const [target, setTarget] = useState<Target>();
  const connection = useRef<Promise<FleetSession>>(undefined);

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
      <Suspense fallback={<HoldKeys />}>
        <App
          context={{
            cloud,
            subscriptionId: target.subscriptionId,
            apimName: target.apim.name,
            vaultName: target.vault.name,
            sandbox,
            readOnly,
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
      sandbox={sandbox}
      source={source}
      error={error}
      signIn={signInMessage}
      given={given}
      onPick={setTarget}
      onQuit={() => onExit(0)}
    />
  );
}
