// `apimkv audit` on a terminal: the audit table and the runbooks it opens, full screen on one fleet session.
import type { AuditCliOptions } from '../cli-args.ts';
import { AuditApp } from '../screens/AuditApp.tsx';
import { runFleetScreen } from './fleet-screen.tsx';
import type { RunConfig } from './run-config.ts';

export async function runAuditTui(audit: AuditCliOptions, config: RunConfig): Promise<number> {
  return runFleetScreen(config, 'fleet', ({ connect, signIn, finish }) => (
    <AuditApp
      audit={audit}
      cloud={config.sandbox ? 'Sandbox' : (config.signIn.cloud ?? 'Azure')}
      sandbox={config.sandbox}
      readOnly={config.readOnly}
      connect={connect}
      signIn={signIn}
      onExit={finish}
    />
  ));
}
