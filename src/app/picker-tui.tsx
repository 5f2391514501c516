// `apimkv` when the flags do not name the instance and vault: what the flags do name becomes the picker's
// given choices, then the picker and the runbook run full screen on one fleet session (PickApp).
import type { RunbookEngine } from '../runbook/engine-types.ts';
import { PickApp } from '../screens/PickApp.tsx';
import type { GivenTarget } from '../screens/TargetPicker.tsx';
import { runFleetScreen } from './fleet-screen.tsx';
import type { RunConfig } from './run-config.ts';
import { parseServiceId, vaultOption } from './target-flags.ts';

/** The flags' partial target, as the picker's preselected steps. */
function givenTarget(config: RunConfig): GivenTarget {
  const t = config.target;
  const fromId = t.serviceId ? parseServiceId(t.serviceId) : undefined;
  const vault = vaultOption(t);
  return {
    subscriptionId: fromId?.subscriptionId ?? t.subscription,
    ...(fromId
      ? { apim: { name: fromId.name, resourceGroup: fromId.resourceGroup } }
      : t.apim
        ? { apim: { name: t.apim, ...(t.resourceGroup ? { resourceGroup: t.resourceGroup } : {}) } }
        : {}),
    ...(vault ? { vault } : {}),
  };
}

/** Runs picker then runbook; resolves with the exit code (the transcript saved when asked for). */
export async function runPickerTui(config: RunConfig): Promise<number> {
  const given = givenTarget(config);
  let engine: RunbookEngine | undefined;
  const code = await runFleetScreen(config, 'everything-broken', ({ connect, signIn, finish }) => (
    <PickApp
      cloud={config.sandbox ? 'Sandbox' : (config.signIn.cloud ?? 'Azure')}
      sandbox={config.sandbox}
      readOnly={config.readOnly}
      given={given}
      connect={connect}
      signIn={signIn}
      onEngine={(e) => (engine = e)}
      onExit={finish}
    />
  ));
  if (config.transcript && engine) process.stderr.write(`apimkv: transcript written to ${engine.saveTranscript()}\n`);
  return code;
}
