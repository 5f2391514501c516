// The fleet audit, full screen: the instance table first (painted before the Azure SDKs load), the
// fleet read behind it with progress, and Enter opens the runbook for one instance in the same session;
// quitting the runbook comes back to the table. Terminal handling is the runbook's (run-tui.tsx);
// src/app/audit-tui.tsx runs it, and this screen only renders and dispatches.
import { useEffect, useRef, useState } from 'react';
import type { AuditResult } from '../checks/audit/types.ts';
import type { AuditRequest, FleetSession } from '../runbook/fleet-session.ts';
import type { Target } from '../checks/ports.ts';
import { App } from './App.tsx';
import { AuditTable, INITIAL_VIEW, type AuditView } from './AuditTable.tsx';
import type { SignInPrompt } from './sign-in-prompt.ts';
import { useSignInPrompt } from './use-sign-in-prompt.ts';

const INTERRUPTED = 130;

export interface AuditAppProps {
  audit: AuditRequest;
  /** The cloud's name until the session says. */
  cloud: string;
  sandbox: boolean;
  readOnly: boolean;
  connect: () => Promise<FleetSession>;
  signIn: SignInPrompt;
  onExit: (code: number) => void;
}

function scopeText(audit: AuditRequest): string {
  if (audit.subscriptions.length) return `${audit.subscriptions.length} subscription${audit.subscriptions.length === 1 ? '' : 's'}`;
  if (audit.managementGroups.length) return `management group ${audit.managementGroups.join(', ')}`;
  return 'every visible subscription';
}

export function AuditApp({ audit, cloud: firstCloud, sandbox, readOnly, connect, signIn, onExit }: AuditAppProps) {
  const signInMessage = useSignInPrompt(signIn);
  const [result, setResult] = useState<AuditResult>();
  const [progress, setProgress] = useState<{ done: number; total: number; throttledMs?: number }>();
  const [error, setError] = useState<string>();
  const [cloud, setCloud] = useState(firstCloud);
  const [runbook, setRunbook] = useState<Target>();
  const [view, setView] = useState<AuditView>(INITIAL_VIEW);
  const [generation, setGeneration] = useState(0);
  const connection = useRef<Promise<FleetSession>>(undefined);

  useEffect(() => {
    let live = true;
    const controller = new AbortController();
    setResult(undefined);
    setError(undefined);
    setProgress(undefined);
    (async () => {
      connection.current ??= connect();
      const link = await connection.current;
      if (live) setCloud(link.cloud);
      const read = await link.audit(audit, (p) => live && setProgress(p), controller.signal);
      if (live) setResult(read);
    })().catch((e: unknown) => live && setError((e as Error).message));
    return () => {
      live = false;
      controller.abort();
    };
    // One read per generation (r re-reads); the connection and the audit options are fixed for the screen's life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [generation]);

  useEffect(
    () => () =>
      void connection.current?.then(
        (c) => c.close(),
        () => undefined,
      ),
    [],
  );

  if (runbook && connection.current) {
    const link = connection.current;
    return (
      <App
        context={{
          cloud,
          subscriptionId: runbook.subscriptionId,
          apimName: runbook.apim.name,
          vaultName: runbook.vault.name,
          sandbox,
          readOnly,
        }}
        loadEngine={async () => (await link).engineFor(runbook)}
        onExit={(code) => (code === INTERRUPTED ? onExit(code) : setRunbook(undefined))}
        signIn={signIn}
      />
    );
  }
  return (
    <AuditTable
      title={`apimkv audit · ${cloud} · ${scopeText(audit)}`}
      sandbox={sandbox}
      result={result}
      progress={progress}
      error={error}
      signIn={signInMessage}
      view={view}
      onView={setView}
      onOpen={setRunbook}
      onReload={() => setGeneration((g) => g + 1)}
      onQuit={() => onExit(0)}
    />
  );
}
