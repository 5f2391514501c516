// Choosing what the runbook works on when the flags do not say: subscription -> API Management instance
// -> key vault, each a filterable list from Resource Graph, with the tenant's last choice under the cursor.
// A step with exactly one choice (or one the flags already made) is taken without asking.
import { Box, Text, useInput, useWindowSize } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Target } from '../checks/ports.ts';
import { targetOf, type RememberedTarget, type ResourceChoice, type SubscriptionChoice, type TargetSource } from '../runbook/targets.ts';
import { Footer } from './Footer.tsx';
import { useSuspendKey } from './use-suspend.ts';
import { keyFor } from './keys.ts';
import { SelectList } from './SelectList.tsx';
import { SignInNotice } from './SignInNotice.tsx';
import { fit, truncate } from './text.ts';
import { TextField } from './TextField.tsx';
import { TitleBar } from './TitleBar.tsx';
import { THEME } from './theme.ts';
import { useKeyGate } from './key-gate.ts';
import { useKeyScope } from './use-key-scope.ts';

/** What the flags already fixed. */
export interface GivenTarget {
  subscriptionId?: string;
  apim?: { name: string; resourceGroup?: string };
  vault?: Target['vault'];
}

type Step = 'subscription' | 'instance' | 'vault';

interface Row {
  value: string;
  label: string;
  columns: [string, string, string];
}

export interface TargetPickerProps {
  title: string;
  sandbox: boolean;
  source?: TargetSource;
  /** The connection failed. */
  error?: string;
  /** A device code sign-in waits for its code: "open … and enter the code …". */
  signIn?: string;
  given: GivenTarget;
  onPick: (target: Target) => void;
  onQuit: () => void;
}

const STEP_TITLE: Record<Step, string> = {
  subscription: '1/3 Subscription',
  instance: '2/3 API Management instance',
  vault: '3/3 Key vault',
};
const same = (a?: string, b?: string) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

export function TargetPicker({ title, sandbox, source, error, signIn, given, onPick, onQuit }: TargetPickerProps) {
  const { columns: width, rows: height } = useWindowSize();
  const [step, setStep] = useState<Step>('subscription');
  const [subscription, setSubscription] = useState<SubscriptionChoice | undefined>(
    given.subscriptionId ? { subscriptionId: given.subscriptionId, name: given.subscriptionId } : undefined,
  );
  const [apim, setApim] = useState<ResourceChoice>();
  const [loaded, setLoaded] = useState<{ step: Step; rows: Row[]; raw: unknown[] }>();
  const [loadError, setLoadError] = useState<string>();
  const [remembered, setRemembered] = useState<RememberedTarget>();
  const [selected, setSelected] = useState<string>();
  const [filter, setFilter] = useState('');
  const [filtering, setFiltering] = useState(false);
  // Going back a step puts the cursor on what was chosen there.
  const chosen = useRef<Partial<Record<Step, string>>>({});
  const tooSmall = width < 80 || height < 24;
  useKeyScope(tooSmall ? 'blocked' : filtering ? 'text' : 'target', true);

  const finish = (instance: ResourceChoice, vault: ResourceChoice) => {
    void source?.remember({ subscriptionId: instance.subscriptionId, apimId: instance.id, vaultId: vault.id }).catch(() => undefined);
    onPick(targetOf(instance, vault));
  };

  // Load the current step's choices; take it without asking when the flags or a single choice decide.
  useEffect(() => {
    if (!source) return;
    const controller = new AbortController();
    let live = true;
    setLoaded(undefined);
    setLoadError(undefined);
    setFilter('');
    (async () => {
      const memory = remembered ?? (await source.remembered());
      if (live && memory && !remembered) setRemembered(memory);
      if (step === 'subscription') {
        if (subscription) return live && setStep('instance');
        const subs = await source.subscriptions(controller.signal);
        if (!live) return;
        if (subs.length === 1) {
          setSubscription(subs[0]);
          return setStep('instance');
        }
        setSelected(chosen.current.subscription ?? subs.find((s) => same(s.subscriptionId, memory?.subscriptionId))?.subscriptionId);
        return setLoaded({
          step,
          raw: subs,
          rows: subs.map((s) => ({ value: s.subscriptionId, label: s.name, columns: [s.name, s.subscriptionId, ''] })),
        });
      }
      if (step === 'instance') {
        const all = await source.instances(subscription!.subscriptionId, controller.signal);
        if (!live) return;
        const instances = [...all]
          .sort((a, b) => a.name.localeCompare(b.name))
          .filter(
            (i) =>
              !given.apim ||
              (same(i.name, given.apim.name) && (!given.apim.resourceGroup || same(i.resourceGroup, given.apim.resourceGroup))),
          );
        if (instances.length === 1 && (given.apim || all.length === 1)) {
          setApim(instances[0]);
          return setStep('vault');
        }
        setSelected(chosen.current.instance ?? instances.find((i) => same(i.id, memory?.apimId))?.id);
        return setLoaded({
          step,
          raw: instances,
          rows: instances.map((i) => ({ value: i.id, label: i.name, columns: [i.name, i.resourceGroup, i.location ?? ''] })),
        });
      }
      const all = await source.vaults(controller.signal);
      if (!live) return;
      const wanted = given.vault;
      const vaults = all
        .filter(
          (v) =>
            !wanted ||
            (same(v.name, wanted.name) &&
              (!wanted.resourceGroup || same(v.resourceGroup, wanted.resourceGroup)) &&
              (!wanted.subscriptionId || same(v.subscriptionId, wanted.subscriptionId))),
        )
        // The instance's own subscription first: most vaults live beside their instance.
        .sort(
          (a, b) =>
            Number(!same(a.subscriptionId, apim!.subscriptionId)) - Number(!same(b.subscriptionId, apim!.subscriptionId)) ||
            a.name.localeCompare(b.name),
        );
      if (vaults.length === 1 && (wanted || all.length === 1)) return finish(apim!, vaults[0]!);
      setSelected(vaults.find((v) => same(v.id, memory?.vaultId))?.id);
      setLoaded({
        step,
        raw: vaults,
        rows: vaults.map((v) => ({
          value: v.id,
          label: v.name,
          columns: [
            v.name,
            v.resourceGroup,
            same(v.subscriptionId, apim!.subscriptionId) ? 'same subscription' : `sub ${v.subscriptionId.slice(0, 8)}…`,
          ],
        })),
      });
    })().catch((e: unknown) => live && setLoadError((e as Error).message));
    return () => {
      live = false;
      controller.abort();
    };
    // Each step's read runs once when the step is entered; what it reads is that step's input, not a trigger.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [source, step]);

  // Until the effect above clears them, the previous step's rows are still in state: never show them (or
  // act on a key pressed over them) under this step's title.
  const items = loaded?.step === step ? loaded : undefined;

  const shown = useMemo(() => {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    return (items?.rows ?? []).filter((r) => words.every((w) => r.columns.join(' ').toLowerCase().includes(w)));
  }, [items, filter]);

  const choose = (row: Row) => {
    if (!items) return;
    const raw = items.raw[items.rows.indexOf(row)];
    chosen.current[items.step] = row.value;
    if (items.step === 'subscription') {
      setSubscription(raw as SubscriptionChoice);
      setStep('instance');
    } else if (items.step === 'instance') {
      setApim(raw as ResourceChoice);
      setStep('vault');
    } else finish(apim!, raw as ResourceChoice);
  };

  const back = () => {
    if (step === 'vault' && !given.apim) setStep('instance');
    else if (step !== 'subscription' && !given.subscriptionId) {
      setSubscription(undefined);
      setStep('subscription');
    }
  };

  useSuspendKey();
  useKeyGate();
  useInput((input, key) => {
    if (key.ctrl && input === 'c') return onQuit();
    if (filtering) {
      if (key.escape) {
        setFiltering(false);
        setFilter('');
      }
      return;
    }
    switch (keyFor(tooSmall ? 'blocked' : 'target', input, key)?.id) {
      case 'quit':
        return onQuit();
      case 'filter':
        return setFiltering(true);
      case 'back':
        return back();
    }
  });

  if (tooSmall) {
    return (
      <Box flexDirection="column" width={width} height={2} overflow="hidden">
        <Text color={THEME.caution}>{truncate(`terminal too small (need 80x24, have ${width}x${height})`, width)}</Text>
        <Text color={THEME.caution}>{truncate('enlarge the window, or press q to quit', width)}</Text>
      </Box>
    );
  }

  // Title, status, column heads, filter line, footer.
  const listRows = height - 5;
  const subName =
    subscription && (subscription.name === subscription.subscriptionId ? `${subscription.subscriptionId.slice(0, 8)}…` : subscription.name);
  const where = [subscription && `subscription ${subName}`, apim && `instance ${apim.name}`].filter(Boolean).join(' · ');
  const status = error ?? loadError;
  const heading =
    !source && !status
      ? 'connecting…'
      : status
        ? ''
        : !items
          ? `${STEP_TITLE[step]}: reading Resource Graph…`
          : `${STEP_TITLE[step]} · ${items.rows.length} visible${where ? ` · ${where}` : ''}`;
  const colA = Math.max(20, Math.floor(width * 0.4));
  const colB = Math.max(16, Math.floor(width * 0.3));
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <TitleBar title={title} sandbox={sandbox} width={width} />
      <Text color={status ? THEME.danger : THEME.muted} wrap="truncate">
        {truncate(status ? `✖ ${status}` : heading, width)}
      </Text>
      <Text bold wrap="truncate">
        {truncate(
          items
            ? step === 'subscription'
              ? `${fit('NAME', colA)} ID`
              : `${fit('NAME', colA)} ${fit('RESOURCE GROUP', colB)} ${step === 'vault' ? 'WHERE' : 'LOCATION'}`
            : ' ',
          width,
        )}
      </Text>
      <Box height={listRows} flexDirection="column" overflow="hidden">
        {signIn && !status && <SignInNotice message={signIn} next="the choices appear" width={width} />}
        {items && shown.length === 0 && (
          <Text color={THEME.muted} wrap="truncate">
            {truncate(
              filter
                ? `  nothing matches "${filter}"`
                : step === 'instance'
                  ? `  no API Management instance visible in ${subscription?.name ?? 'this subscription'}: Esc to choose another subscription`
                  : `  nothing visible here`,
              width,
            )}
          </Text>
        )}
        {items && shown.length > 0 && (
          <SelectList
            items={shown}
            selected={selected}
            onChange={setSelected}
            onSelect={choose}
            height={listRows}
            context="target"
            isFocused={!filtering}
            renderItem={(row, isSelected) => (
              <Text inverse={isSelected} wrap="truncate">
                {truncate(
                  step === 'subscription'
                    ? `${fit(row.columns[0], colA)} ${row.columns[1]}`
                    : `${fit(row.columns[0], colA)} ${fit(row.columns[1], colB)} ${row.columns[2]}`,
                  width,
                )}
              </Text>
            )}
          />
        )}
      </Box>
      <Box width={width}>
        {filtering ? (
          <>
            <Text color={THEME.accent}>filter: </Text>
            <TextField value={filter} onChange={setFilter} onSubmit={() => setFiltering(false)} focus />
          </>
        ) : (
          <Text color={THEME.accent} wrap="truncate">
            {truncate(filter ? `filter: ${filter}` : remembered ? 'the cursor starts on your last choice in this tenant' : ' ', width)}
          </Text>
        )}
      </Box>
      <Footer context={filtering ? 'text' : 'target'} width={width} />
    </Box>
  );
}
