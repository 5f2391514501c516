// `apimkv` with the instance and vault named: the runbook full screen, its first frame painted from the
// flags alone while the engine (and through it the Azure SDKs) loads behind it.
import type { RunbookEngine, RunContext } from '../runbook/engine-types.ts';
import { runTui } from '../screens/run-tui.tsx';
import { SignInPrompt, signInCopy } from '../screens/sign-in-prompt.ts';
import type { RunConfig } from './run-config.ts';

/** Until az or the engine says which cloud, say only what the flags say. */
export function provisionalContext(config: RunConfig): RunContext {
  const { signIn, target } = config;
  return {
    cloud: config.sandbox ? 'Sandbox' : (signIn.cloud ?? (signIn.armEndpoint ? new URL(signIn.armEndpoint).host : 'Azure')),
    subscriptionId: target.subscription ?? process.env.AZURE_SUBSCRIPTION_ID ?? '…',
    apimName: target.apim ?? '…',
    vaultName: target.vault ?? '…',
    sandbox: config.sandbox,
    readOnly: config.readOnly,
  };
}

export async function runRunbookTui(config: RunConfig): Promise<number> {
  const signIn = new SignInPrompt();
  // Quitting while the sign-in still waits for its code must end the sign-in too.
  const session = new AbortController();
  let close: (() => Promise<void>) | undefined;
  let engine: RunbookEngine | undefined;
  const code = await runTui({
    context: provisionalContext(config),
    signIn,
    // Everything behind the first frame: the connection code and, through it, the Azure SDKs.
    loadEngine: async () => {
      const { connect } = await import('./connect.ts');
      const connection = await connect(config, {
        interactive: true,
        signIn: signIn.hooks(signInCopy()),
        signal: session.signal,
      });
      close = connection.close;
      engine = connection.engine;
      return connection.engine;
    },
  });
  if (config.transcript && engine) process.stderr.write(`apimkv: transcript written to ${engine.saveTranscript()}\n`);
  session.abort();
  await close?.();
  return code;
}
