// The add-certificate wizard's stages, each rendered from the wizard's state and the handlers
// AddCertificate.tsx dispatches with (plain functions: the element tree is the screen's own).
import { oneLine } from '../checks/escape.ts';
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import type { VaultCertificateFacts } from '../checks/facts.ts';
import type { FixPlan } from '../checks/types.ts';
import { identifierToUse, type ParsedIdentifierInput } from '../checks/identifiers.ts';
import { BADGE_WIDTH, type pickerItems, type Stage, type Wizard } from './add-certificate-wizard.ts';
import { certificateBadge, type identityChoices } from './certificate-choice.ts';
import { Lines, para, type Line } from './Lines.tsx';
import { SelectList } from './SelectList.tsx';
import { fit, truncate } from './text.ts';
import { TextField } from './TextField.tsx';
import { STATUS, statusLabel, THEME } from './theme.ts';

/** What a stage renders from: the wizard, the frame's size, and the screen's handlers. */
export interface StageView {
  w: Wizard;
  width: number;
  /** Rows inside the frame. */
  body: number;
  active: boolean;
  errorLines: Line[];
  set(patch: Partial<Wizard>): void;
  go(stage: Stage, patch?: Partial<Wizard>): void;
  back(): void;
  items: ReturnType<typeof pickerItems>;
  now: string;
  pick(cert: VaultCertificateFacts): void;
  parseIdentifier(input: string): ParsedIdentifierInput;
  submitTyped(value: string): void;
  identities: ReturnType<typeof identityChoices>;
  chooseIdentity(value: string): void;
  submitName(value: string): void;
  fwPlan: FixPlan | undefined;
}

/** Why the vault could not be listed, and the fix that would let it (or typing the identifier). */
export function listFailedStage(v: StageView): ReactNode {
  const { w, width, body, fwPlan } = v;
  const lines: Line[] = [...para(`${statusLabel('fail')}  ${oneLine(w.listError?.what ?? '')}`, width, { color: STATUS.fail.color })];
  if (fwPlan) {
    const note = fwPlan.temporary ? ' (temporary: apimkv offers to remove it afterwards)' : '';
    lines.push(...para(`f  ${oneLine(fwPlan.title)} — ${fwPlan.checkId}${note}`, width, { color: THEME.accent }));
  } else if (w.listError?.firewall) {
    lines.push(...para('Add your IP to the vault firewall (FW-CLIENTIP on the checklist), or type the identifier.', width));
  }
  lines.push({ text: 't  type the identifier instead', color: THEME.accent });
  return <Lines lines={lines} height={body - 1} />;
}

/** The vault's certificates, filterable, with expiry and a badge each. */
export function listStage(v: StageView): ReactNode {
  const { w, width, body, active, errorLines, set, go, back, items, now, pick } = v;
  const current = items.find((i) => i.value === w.cursor) ?? items[0];
  const listRows = Math.max(1, body - 3 - errorLines.length);
  return (
    <>
      <Box height={1}>
        {w.filtering ? (
          <>
            <Text>Filter: </Text>
            <TextField value={w.filter} onChange={(v) => set({ filter: v })} onSubmit={() => set({ filtering: false })} focus={active} />
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
    </>
  );
}

/** A typed identifier, parsed as it is typed. */
export function typingStage(v: StageView): ReactNode {
  const { w, width, body, active, errorLines, set, parseIdentifier, submitTyped } = v;
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
  return (
    <>
      <Text>Secret identifier:</Text>
      <Box height={1}>
        <Text>› </Text>
        <TextField value={w.typed} onChange={(v) => set({ typed: v, error: undefined })} onSubmit={submitTyped} focus={active} />
      </Box>
      <Lines lines={[...hint, ...errorLines]} height={Math.max(1, body - 3)} />
    </>
  );
}

/** A versioned identifier: keep the version or use the versionless one. */
export function versionStage(v: StageView): ReactNode {
  const { w, width, body } = v;
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
  return <Lines lines={lines} height={body - 1} />;
}

/** Which identity API Management reads the vault with. */
export function identityStage(v: StageView): ReactNode {
  const { w, width, body, active, errorLines, set, back, identities, chooseIdentity } = v;
  const current = identities.find((c) => c.value === w.identity) ?? identities[0];
  const detail: Line[] = [
    ...(current.refused && !w.error ? para(`${statusLabel('fail')}  ${current.refused}`, width, { color: STATUS.fail.color }) : []),
    ...(current.note ? para(current.note, width, { color: THEME.muted }) : []),
    ...errorLines,
  ];
  const listRows = Math.min(identities.length + 1, Math.max(2, body - 3 - detail.length));
  return (
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
    </>
  );
}

/** The certificate's id in API Management. */
export function nameStage(v: StageView): ReactNode {
  const { w, body, active, errorLines, set, submitName } = v;
  return (
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
    </>
  );
}

/** What is about to be planned. */
export function confirmStage(v: StageView): ReactNode {
  const { w, width, body, errorLines, identities } = v;
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
  return <Lines lines={lines} height={body - 1} />;
}
