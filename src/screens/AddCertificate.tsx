// Screen 3: add a Key Vault certificate (step 5). Pick it from the vault (or type its identifier), see
// the versionless identifier, pick the identity API Management reads it with, name it, then hand the
// choice to the engine, re-check, and continue in the CERT-CREATE fix flow.
import { Box, Text } from 'ink';
import { useEffect, useMemo, useReducer, type ReactNode } from 'react';
import type { CertificateIntent, VaultCertificateFacts } from '../checks/facts.ts';
import type { FixPlan } from '../checks/types.ts';
import type { Evaluation } from '../runbook/engine-types.ts';
import { identifierToUse, parseIdentifierInput, type ParsedIdentifierInput } from '../checks/identifiers.ts';
import { certificateBadge, identityChoices, suggestCertificateId, validCertificateId } from './certificate-choice.ts';
import { describeError, type ErrorView } from './describe-error.ts';
import { Lines, para, type Line } from './Lines.tsx';
import { FRAME_ROWS, ScreenFrame } from './ScreenFrame.tsx';
import { SelectList } from './SelectList.tsx';
import { fit, truncate } from './text.ts';
import { TextField } from './TextField.tsx';
import { STATUS, statusLabel, THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';
import { useKeys } from './use-keys.ts';
import { useRunbook } from './use-runbook.ts';
import { useRunbookActions } from './use-runbook-actions.ts';

type Stage = 'loading' | 'list' | 'listFailed' | 'typing' | 'version' | 'identity' | 'name' | 'confirm' | 'working';
type Parsed = Extract<ParsedIdentifierInput, { ok: true }>;

interface Wizard {
  stage: Stage;
  certs: VaultCertificateFacts[];
  listError?: { what: string; firewall: boolean };
  filter: string;
  filtering: boolean;
  cursor?: string;
  typed: string;
  parsed?: Parsed;
  /** Where the identifier came from, so Esc goes back there. */
  source: 'list' | 'typed';
  keepVersion: boolean;
  identity: string;
  certificateId: string;
  error?: ErrorView;
}

type WizardAction = { type: 'set'; patch: Partial<Wizard> } | { type: 'stage'; stage: Stage; patch?: Partial<Wizard> };

function wizardReducer(w: Wizard, a: WizardAction): Wizard {
  // Moving to another stage clears that stage's inline error.
  return a.type === 'stage' ? { ...w, error: undefined, ...a.patch, stage: a.stage } : { ...w, ...a.patch };
}

/** "✖ disabled" is the widest badge; a fixed width keeps the columns straight. */
const BADGE_WIDTH = 11;

const START: Wizard = {
  stage: 'loading',
  certs: [],
  filter: '',
  filtering: false,
  typed: '',
  source: 'list',
  keepVersion: false,
  identity: 'system',
  certificateId: '',
};

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

/** Items for the picker: filtered by a case-insensitive substring, values are the (stable) names. */
function pickerItems(certs: readonly VaultCertificateFacts[], filter: string) {
  const f = filter.trim().toLowerCase();
  const shown = f ? certs.filter((c) => c.name.toLowerCase().includes(f)) : certs;
  return shown.map((c) => ({ ...c, value: c.name, label: c.name }));
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
    const error = await actions.chooseCertificate(intent, 'certificate');
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
    w.stage === 'list'
      ? w.filtering
        ? { back }
        : { back, filter: () => set({ filtering: true }), typeId: () => go('typing') }
      : w.stage === 'listFailed'
        ? { back, typeId: () => go('typing'), fix: fwPlan ? () => actions.previewFix(fwPlan, 'certificate') : undefined }
        : w.stage === 'version'
          ? { back, enter: () => go('identity', { keepVersion: false }), keepVersion: () => go('identity', { keepVersion: true }) }
          : w.stage === 'confirm'
            ? { back, enter: () => void confirm() }
            : w.stage === 'identity'
              ? {}
              : { back },
    // While the picker list is showing, SelectList routes the keys (with these same handlers).
    active && !(w.stage === 'list' && !w.filtering && items.length > 0) && w.stage !== 'identity',
  );

  const title = (
    <Text bold wrap="truncate">
      {truncate(`Add a Key Vault certificate (step 5) — vault ${context.vaultName}`, width)}
    </Text>
  );
  const errorLines: Line[] = w.error
    ? [...para(`✖ ${w.error.what}`, width, { color: THEME.danger }), ...(w.error.hint ? para(`What to do: ${w.error.hint}`, width) : [])]
    : [];
  const frame = (children: ReactNode) => (
    <ScreenFrame height={height} width={width} context={keyContext}>
      {title}
      {children}
    </ScreenFrame>
  );

  switch (w.stage) {
    case 'loading':
    case 'working':
      return frame(
        <Text color={THEME.caution}>
          {w.stage === 'loading' ? 'Listing the vault’s certificates…' : 'Re-checking with this certificate…'}
        </Text>,
      );
    case 'listFailed': {
      const lines: Line[] = [...para(`${statusLabel('fail')}  ${w.listError?.what ?? ''}`, width, { color: STATUS.fail.color })];
      if (fwPlan) {
        const note = fwPlan.temporary ? ' (temporary: apimkv offers to remove it afterwards)' : '';
        lines.push(...para(`f  ${fwPlan.title} — ${fwPlan.checkId}${note}`, width, { color: THEME.accent }));
      } else if (w.listError?.firewall) {
        lines.push(...para('Add your IP to the vault firewall (FW-CLIENTIP on the checklist), or type the identifier.', width));
      }
      lines.push({ text: 't  type the identifier instead', color: THEME.accent });
      return frame(<Lines lines={lines} height={body - 1} />);
    }
    case 'list': {
      const current = items.find((i) => i.value === w.cursor) ?? items[0];
      const listRows = Math.max(1, body - 3 - errorLines.length);
      return frame(
        <>
          <Box height={1}>
            {w.filtering ? (
              <>
                <Text>Filter: </Text>
                <TextField
                  value={w.filter}
                  onChange={(v) => set({ filter: v })}
                  onSubmit={() => set({ filtering: false })}
                  focus={active}
                />
              </>
            ) : (
              <Text color={THEME.muted} wrap="truncate">
                {truncate(
                  `${items.length} of ${w.certs.length} certificates${w.filter ? ` matching "${w.filter}"` : ''} · / filter · t type an identifier`,
                  width,
                )}
              </Text>
            )}
          </Box>
          {items.length === 0 ? (
            <Box height={listRows}>
              <Text color={THEME.muted}>
                {w.certs.length ? 'Nothing matches the filter.' : 'The vault has no certificates: type an identifier (t).'}
              </Text>
            </Box>
          ) : (
            <SelectList
              items={items}
              selected={current?.value}
              onChange={(v) => set({ cursor: v, error: undefined })}
              onSelect={pick}
              height={listRows}
              context="picker"
              isFocused={active && !w.filtering}
              keys={{ back, filter: () => set({ filtering: true }), typeId: () => go('typing') }}
              renderItem={(c, sel) => {
                const badge = certificateBadge(c, now);
                const expiry = c.expiresOn ? `expires ${c.expiresOn.slice(0, 10)}` : 'no expiry';
                const right = `${expiry}  ${fit(badge.text, BADGE_WIDTH)}`;
                return (
                  <Box width={width}>
                    <Text color={sel ? THEME.accent : undefined} bold={sel}>
                      {fit(`${sel ? '›' : ' '} ${c.name}`, width - right.length - 1)}
                    </Text>
                    <Text color={THEME.muted}>{` ${expiry}  `}</Text>
                    <Text color={STATUS[badge.tone].color}>{fit(badge.text, BADGE_WIDTH)}</Text>
                  </Box>
                );
              }}
            />
          )}
          <Text color={THEME.muted} wrap="truncate">
            {truncate(current ? `${current.secretId}  (versionless: renewals are picked up automatically)` : ' ', width)}
          </Text>
          <Lines lines={errorLines} height={errorLines.length} />
        </>,
      );
    }
    case 'typing': {
      const live = parseIdentifier(w.typed);
      const hint: Line[] = w.typed
        ? live.ok
          ? [
              { text: truncate(`→ versionless: ${live.versionless}`, width), color: THEME.muted },
              ...(live.version
                ? [
                    {
                      text: truncate(`${statusLabel('warn')}  versioned (${live.version}): no auto-rotation`, width),
                      color: STATUS.warn.color,
                    },
                  ]
                : []),
            ]
          : para(live.reason, width, { color: THEME.muted })
        : para('A secret name in this vault, or https://<vault>.vault.azure.net/secrets/<name>', width, { color: THEME.muted });
      return frame(
        <>
          <Text>Secret identifier:</Text>
          <Box height={1}>
            <Text>› </Text>
            <TextField value={w.typed} onChange={(v) => set({ typed: v, error: undefined })} onSubmit={submitTyped} focus={active} />
          </Box>
          <Lines lines={[...hint, ...errorLines]} height={Math.max(1, body - 3)} />
        </>,
      );
    }
    case 'version': {
      const p = w.parsed!;
      const lines: Line[] = [
        ...para(
          `${statusLabel('warn')}  This identifier pins version ${p.version}: API Management will not pick up renewals of the certificate (no auto-rotation).`,
          width,
          { color: STATUS.warn.color },
        ),
        { text: truncate(`Versionless: ${p.versionless}`, width) },
        { text: 'Enter  use the versionless identifier (recommended)', color: THEME.accent },
        { text: 'v      keep the versioned identifier', color: THEME.muted },
      ];
      return frame(<Lines lines={lines} height={body - 1} />);
    }
    case 'identity': {
      const current = identities.find((c) => c.value === w.identity) ?? identities[0];
      const detail: Line[] = [
        ...(current.refused && !w.error ? para(`${statusLabel('fail')}  ${current.refused}`, width, { color: STATUS.fail.color }) : []),
        ...(current.note ? para(current.note, width, { color: THEME.muted }) : []),
        ...errorLines,
      ];
      const listRows = Math.min(identities.length + 1, Math.max(2, body - 3 - detail.length));
      return frame(
        <>
          <Text>Which identity should API Management use to read the vault?</Text>
          <SelectList
            items={identities}
            selected={current.value}
            onChange={(v) => set({ identity: v, error: undefined })}
            onSelect={(c) => chooseIdentity(c.value)}
            height={listRows}
            context="wizard"
            isFocused={active}
            keys={{ back }}
            renderItem={(c, sel) => (
              <Text color={c.refused ? THEME.muted : sel ? THEME.accent : undefined} bold={sel} wrap="truncate">
                {truncate(`${sel ? '›' : ' '} ${c.label}${c.refused ? '  ✖ refused behind the firewall' : ''}`, width)}
              </Text>
            )}
          />
          <Lines lines={detail} height={Math.max(0, body - 2 - listRows)} />
        </>,
      );
    }
    case 'name':
      return frame(
        <>
          <Text>Certificate id in API Management:</Text>
          <Box height={1}>
            <Text>› </Text>
            <TextField
              value={w.certificateId}
              onChange={(v) => set({ certificateId: v, error: undefined })}
              onSubmit={submitName}
              focus={active}
            />
          </Box>
          <Lines lines={errorLines} height={Math.max(1, body - 3)} />
        </>,
      );
    case 'confirm': {
      const p = w.parsed!;
      const id = identifierToUse(p, w.keepVersion);
      const identity = identities.find((c) => c.value === w.identity);
      const lines: Line[] = [
        { text: 'About to plan:', bold: true },
        { text: truncate(`  Identifier   ${id}`, width) },
        w.keepVersion && p.version
          ? { text: `  ${statusLabel('warn')}  versioned: no auto-rotation`, color: STATUS.warn.color }
          : { text: `  ${statusLabel('pass')}  versionless: renewals are picked up within 4 hours`, color: STATUS.pass.color },
        ...(p.note ? para(`  ${p.note}`, width, { color: THEME.muted }, '  ') : []),
        { text: truncate(`  Identity     ${identity?.label ?? w.identity}`, width) },
        { text: truncate(`  Certificate  ${w.certificateId}`, width) },
        { text: 'Enter  re-check with this choice and preview the fix (nothing is written yet)', color: THEME.accent },
        ...errorLines,
      ];
      return frame(<Lines lines={lines} height={body - 1} />);
    }
  }
}
