// Screen 3: add a Key Vault certificate (step 5). Pick it from the vault (or type its identifier), see
// the versionless identifier, pick the identity API Management reads it with, name it, then hand the
// choice to the engine, re-check, and continue in the CERT-CREATE fix flow.
import { oneLine } from '../checks/escape.ts';
import { Text } from 'ink';
import { useEffect, useMemo, useReducer, type ReactNode } from 'react';
import {
  confirmStage,
  identityStage,
  listFailedStage,
  listStage,
  nameStage,
  typingStage,
  versionStage,
  type StageView,
} from './add-certificate-stages.tsx';
import { pickerItems, START, wizardReducer, type Parsed, type Stage, type Wizard, type WizardAction } from './add-certificate-wizard.ts';
import type { CertificateIntent, VaultCertificateFacts } from '../checks/facts.ts';
import type { FixPlan } from '../checks/types.ts';
import type { Evaluation } from '../runbook/engine-types.ts';
import { identifierToUse, parseIdentifierInput, type ParsedIdentifierInput } from '../checks/identifiers.ts';
import { identityChoices, suggestCertificateId, validCertificateId } from './certificate-choice.ts';
import { describeError } from './describe-error.ts';
import { para, type Line } from './Lines.tsx';
import { FRAME_ROWS, ScreenFrame } from './ScreenFrame.tsx';
import { truncate } from './text.ts';
import { THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';
import { useKeys } from './use-keys.ts';
import { useRunbook } from './use-runbook.ts';
import { useRunbookActions } from './use-runbook-actions.ts';

/** The temporary "add my IP to the vault firewall" fix (FW-CLIENTIP), when the checks offer it. */
export function clientIpPlan(evaluation: Evaluation | undefined): FixPlan | undefined {
  const findings = evaluation?.findings ?? [];
  return (
    findings.find((f) => f.checkId === 'FW-CLIENTIP' && f.fix)?.fix ??
    findings.find((f) => f.fix?.operations.some((o) => o.kind === 'vault.addIpRule' && o.temporary))?.fix
  );
}

/** What lets the operator list the vault: the firewall opening, or their own read access (ACC-OPERATOR). */
export function listAccessPlan(evaluation: Evaluation | undefined, firewall: boolean): FixPlan | undefined {
  return firewall ? clientIpPlan(evaluation) : evaluation?.findings.find((f) => f.checkId === 'ACC-OPERATOR' && f.fix)?.fix;
}

/** The handlers each stage's keys call. */
function stageKeys(
  w: Wizard,
  h: {
    back(): void;
    set(patch: Partial<Wizard>): void;
    go(stage: Stage, patch?: Partial<Wizard>): void;
    confirm(): Promise<void>;
    fix: (() => void) | undefined;
    /** The fix of the check a warning names (the chosen identity lacks access). */
    warningFix: (() => void) | undefined;
  },
) {
  return w.stage === 'list'
    ? w.filtering
      ? { back: h.back }
      : { back: h.back, filter: () => h.set({ filtering: true }), typeId: () => h.go('typing') }
    : w.stage === 'listFailed'
      ? { back: h.back, typeId: () => h.go('typing'), fix: h.fix }
      : w.stage === 'version'
        ? {
            back: h.back,
            enter: () => h.go('identity', { keepVersion: false }),
            keepVersion: () => h.go('identity', { keepVersion: true }),
          }
        : w.stage === 'confirm'
          ? { back: h.back, enter: () => void h.confirm(), fix: h.warningFix }
          : w.stage === 'identity'
            ? {}
            : { back: h.back };
}

/** Lists the vault's certificates once per visit; a refusal says why (the firewall, or no list permission). */
function useVaultCertificateList(
  actions: ReturnType<typeof useRunbookActions>,
  facts: Evaluation['facts'] | undefined,
  dispatch: (a: WizardAction) => void,
): void {
  useEffect(() => {
    const controller = new AbortController();
    actions.listVaultCertificates(controller.signal).then(
      (fact) => {
        if (controller.signal.aborted) return;
        if (fact.ok) {
          dispatch({ type: 'stage', stage: 'list', patch: { certs: fact.value, cursor: fact.value[0]?.name } });
          return;
        }
        const probe = facts?.operatorDataPlane;
        const firewall = /firewall|client address/i.test(fact.message) || (probe?.ok === true && probe.value.status === 'firewall');
        const why =
          fact.unknown === 'Forbidden'
            ? firewall
              ? 'your address is blocked by the vault firewall'
              : 'you may not list this vault (403)'
            : fact.unknown.toLowerCase();
        dispatch({
          type: 'stage',
          stage: 'listFailed',
          patch: { listError: { what: `The vault's certificates cannot be listed: ${why}. ${fact.message}`, firewall } },
        });
      },
      (e: unknown) => {
        if (!controller.signal.aborted)
          dispatch({ type: 'stage', stage: 'listFailed', patch: { listError: { what: describeError(e).what, firewall: false } } });
      },
    );
    return () => controller.abort();
    // Listing runs once per visit to this screen.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
}

export function AddCertificate({ width, height, active }: { width: number; height: number; active: boolean }) {
  const { evaluation, context } = useRunbook();
  const actions = useRunbookActions();
  const [w, dispatch] = useReducer(wizardReducer, START);
  const body = height - FRAME_ROWS;
  const facts = evaluation?.facts;
  const vaultUri = facts?.vault.ok ? facts.vault.value.vaultUri : undefined;
  const suffix = facts?.context.kvDnsSuffix;
  const parseIdentifier = (input: string): ParsedIdentifierInput =>
    suffix
      ? parseIdentifierInput(input, suffix, vaultUri)
      : { ok: false, reason: 'The checks have not run yet: press r on the checklist first.' };
  const now = facts?.context.now ?? new Date().toISOString();
  const set = (patch: Partial<Wizard>) => dispatch({ type: 'set', patch });
  const go = (stage: Stage, patch?: Partial<Wizard>) => dispatch({ type: 'stage', stage, patch });

  useVaultCertificateList(actions, facts, dispatch);

  const items = useMemo(() => pickerItems(w.certs, w.filter), [w.certs, w.filter]);
  const identities = useMemo(() => identityChoices(facts), [facts]);
  const fwPlan = listAccessPlan(evaluation, w.listError?.firewall ?? false);

  const textStage = w.stage === 'typing' || w.stage === 'name' || (w.stage === 'list' && w.filtering);
  const keyContext = textStage ? 'text' : w.stage === 'list' || w.stage === 'listFailed' || w.stage === 'loading' ? 'picker' : 'wizard';
  useKeyScope(keyContext, active);

  const chooseParsed = (parsed: Parsed, source: Wizard['source']) => {
    const patch = { parsed, source, keepVersion: false, certificateId: w.certificateId || suggestCertificateId(parsed.name) };
    go(parsed.version ? 'version' : 'identity', patch);
  };
  const pick = (cert: VaultCertificateFacts) => {
    if (!cert.enabled)
      return set({
        error: {
          what: `${cert.name} is disabled in the vault: API Management could not fetch it.`,
          hint: 'Enable it in the vault, or pick another.',
        },
      });
    const parsed = parseIdentifier(cert.secretId);
    if (!parsed.ok) return set({ error: { what: parsed.reason } });
    chooseParsed(parsed, 'list');
  };
  const submitTyped = (value: string) => {
    const parsed = parseIdentifier(value);
    if (!parsed.ok) return set({ error: { what: parsed.reason } });
    chooseParsed(parsed, 'typed');
  };
  const chooseIdentity = (value: string) => {
    const choice = identities.find((c) => c.value === value);
    if (choice?.refused) return set({ identity: value, error: { what: choice.refused } });
    go('name', { identity: value });
  };
  const submitName = (value: string) => {
    const problem = validCertificateId(value.trim());
    if (problem) return set({ error: { what: problem } });
    go('confirm', { certificateId: value.trim() });
  };
  const confirm = async () => {
    if (!w.parsed) return;
    go('working');
    const intent: CertificateIntent = {
      kind: 'keyVault',
      certificateId: w.certificateId,
      secretIdentifier: identifierToUse(w.parsed, w.keepVersion),
      identity: w.identity === 'system' ? 'system' : { userAssignedId: w.identity },
    };
    // A second Enter on a warning (the identity lacks access) previews the certificate anyway.
    const error = await actions.chooseCertificate(intent, 'certificate', !!w.error?.warning);
    // On success the fix flow has taken over the screen; otherwise stay and say why.
    if (error) go('confirm', { error });
  };
  const back = () => {
    switch (w.stage) {
      case 'list':
        return w.filtering ? set({ filtering: false, filter: '' }) : actions.open('checklist');
      case 'loading':
      case 'listFailed':
        return actions.open('checklist');
      case 'typing':
        return go(w.certs.length ? 'list' : w.listError ? 'listFailed' : 'list');
      case 'version':
        return go(w.source === 'typed' ? 'typing' : 'list');
      case 'identity':
        return go(w.source === 'typed' ? 'typing' : 'list');
      case 'name':
        return go('identity');
      case 'confirm':
        return go('name');
      case 'working':
        return undefined;
    }
  };

  // Keys for the stages without a list (the list stages route theirs through SelectList).
  useKeys(
    keyContext,
    stageKeys(w, {
      back,
      set,
      go,
      confirm,
      fix: fwPlan ? () => actions.previewFix(fwPlan, 'certificate') : undefined,
      warningFix: w.error?.warning?.plan ? () => actions.previewFix(w.error!.warning!.plan!, 'certificate') : undefined,
    }),
    // While the picker list is showing, SelectList routes the keys (with these same handlers).
    active && !(w.stage === 'list' && !w.filtering && items.length > 0) && w.stage !== 'identity',
  );

  const title = (
    <Text bold wrap="truncate">
      {truncate(`Add a Key Vault certificate (step 5) — vault ${context.vaultName}`, width)}
    </Text>
  );
  const errorLines: Line[] = w.error
    ? [
        ...para(`${w.error.warning ? '⚠' : '✖'} ${oneLine(w.error.what)}`, width, {
          color: w.error.warning ? THEME.caution : THEME.danger,
        }),
        ...(w.error.hint ? para(`What to do: ${w.error.hint}`, width) : []),
      ]
    : [];
  const frame = (children: ReactNode) => (
    <ScreenFrame height={height} width={width} context={keyContext}>
      {title}
      {children}
    </ScreenFrame>
  );

  const view: StageView = {
    w,
    width,
    body,
    active,
    errorLines,
    set,
    go,
    back,
    items,
    now,
    pick,
    parseIdentifier,
    submitTyped,
    identities,
    chooseIdentity,
    submitName,
    fwPlan,
  };
  switch (w.stage) {
    case 'loading':
    case 'working':
      return frame(
        <Text color={THEME.caution}>
          {w.stage === 'loading' ? 'Listing the vault’s certificates…' : 'Re-checking with this certificate…'}
        </Text>,
      );
    case 'listFailed':
      return frame(listFailedStage(view));
    case 'list':
      return frame(listStage(view));
    case 'typing':
      return frame(typingStage(view));
    case 'version':
      return frame(versionStage(view));
    case 'identity':
      return frame(identityStage(view));
    case 'name':
      return frame(nameStage(view));
    case 'confirm':
      return frame(confirmStage(view));
  }
}
