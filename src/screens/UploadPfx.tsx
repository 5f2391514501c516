// Screen 4: upload a .pfx (step 5b). Path (checked at once: exists, readable, PKCS#12 at all, so nobody types a
// password for a file that is not there), then a password that is never echoed, then what the file
// holds (subject, thumbprint, expiry, key, chain) before anything is sent, then the UPL-CREATE fix flow.
import { oneLine } from '../checks/escape.ts';
import { Box, Text } from 'ink';
import { TextField } from './TextField.tsx';
import { basename } from 'node:path';
import { useEffect, useReducer, useRef, type ReactNode } from 'react';
import type { PfxInspection } from '../checks/facts.ts';
import { Secret } from '../checks/secret.ts';
import { suggestCertificateId, validCertificateId } from './certificate-choice.ts';
import { describeError, type ErrorView } from './describe-error.ts';
import { Lines, para, type Line } from './Lines.tsx';
import { PasswordInput } from './PasswordInput.tsx';
import { FRAME_ROWS, ScreenFrame } from './ScreenFrame.tsx';
import { daysUntil, truncate } from './text.ts';
import { STATUS, statusLabel, THEME } from './theme.ts';
import { HoldKeys } from './key-gate.ts';
import { useKeyScope } from './use-key-scope.ts';
import { useKeys } from './use-keys.ts';
import { useRunbook } from './use-runbook.ts';
import { useRunbookActions } from './use-runbook-actions.ts';

type Stage = 'path' | 'checking' | 'password' | 'inspecting' | 'inspected' | 'name' | 'confirm' | 'working';

/** The upload wizard's state. Deliberately no password or file bytes in here. */
interface Upload {
  stage: Stage;
  path: string;
  inspection?: PfxInspection;
  certificateId: string;
  error?: ErrorView;
}

type UploadAction = { type: 'stage'; stage: Stage; patch?: Partial<Upload> } | { type: 'set'; patch: Partial<Upload> };

function uploadReducer(u: Upload, a: UploadAction): Upload {
  return a.type === 'stage' ? { ...u, error: undefined, ...a.patch, stage: a.stage } : { ...u, ...a.patch };
}

/** What the inspection found, with what would stop or weaken the upload. */
export function inspectionLines(inspection: PfxInspection, now: string, width: number): Line[] {
  if (!inspection.ok) return para(`${statusLabel('fail')}  ${inspection.message}`, width, { color: STATUS.fail.color });
  const i = inspection;
  const days = daysUntil(i.notAfter, now);
  const lines: Line[] = [
    { text: truncate(`Subject     ${i.subject}`, width) },
    { text: truncate(`Issuer      ${i.issuer}${i.selfSigned ? ' (self-signed)' : ''}`, width) },
    { text: truncate(`Thumbprint  ${i.thumbprint}`, width) },
    { text: truncate(`Valid       ${i.notBefore} → ${i.notAfter}${days !== undefined ? ` (${days} d left)` : ''}`, width) },
    {
      text: truncate(
        `Key         ${i.keyType}${i.keyBits ? ` ${i.keyBits} bits` : ''}, private key ${i.hasPrivateKey ? 'present' : 'MISSING'}`,
        width,
      ),
    },
    { text: truncate(`Chain       ${i.chainLength} certificate${i.chainLength === 1 ? '' : 's'} (leaf included)`, width) },
  ];
  if (!i.hasPrivateKey) lines.push({ text: `${statusLabel('fail')}  no private key: API Management needs it`, color: STATUS.fail.color });
  if (days !== undefined && days < 0) lines.push({ text: `${statusLabel('fail')}  expired`, color: STATUS.fail.color });
  else if (days !== undefined && days < 30)
    lines.push({ text: `${statusLabel('warn')}  expires in ${days} days`, color: STATUS.warn.color });
  if (i.keyBits !== undefined && i.keyType.toUpperCase() === 'RSA' && i.keyBits < 2048)
    lines.push({ text: `${statusLabel('warn')}  key shorter than 2048 bits`, color: STATUS.warn.color });
  if (i.chainLength === 1 && !i.selfSigned)
    lines.push({ text: `${statusLabel('warn')}  no intermediate certificates (custom domains need the chain)`, color: STATUS.warn.color });
  lines.push({
    text: `${statusLabel('info')}  uploaded certificates never auto-rotate; Key Vault references do`,
    color: STATUS.info.color,
  });
  return lines;
}

export function UploadPfx({ width, height, active }: { width: number; height: number; active: boolean }) {
  const { evaluation } = useRunbook();
  const actions = useRunbookActions();
  const [u, dispatch] = useReducer(uploadReducer, { stage: 'path', path: '', certificateId: '' });
  // The password only ever lives here, as a Secret, until it is handed to the engine.
  const password = useRef<Secret | undefined>(undefined);
  const body = height - FRAME_ROWS;
  const now = evaluation?.facts.context.now ?? new Date().toISOString();
  const go = (stage: Stage, patch?: Partial<Upload>) => dispatch({ type: 'stage', stage, patch });
  const set = (patch: Partial<Upload>) => dispatch({ type: 'set', patch });

  const textStage = u.stage === 'path' || u.stage === 'password' || u.stage === 'name';
  const keyContext = textStage ? 'text' : 'wizard';
  useKeyScope(keyContext, active);

  // A slow (legal) parse runs in a worker: Esc, q and Ctrl-C stop it instead of waiting for it.
  const parsing = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => parsing.current?.abort(), []);
  const inspect = async (secret: Secret) => {
    password.current = secret;
    go('inspecting');
    const stop = new AbortController();
    parsing.current = stop;
    try {
      const inspection = await actions.inspectPfx(u.path.trim(), secret, stop.signal);
      if (stop.signal.aborted) return undefined;
      if (!inspection.ok && inspection.reason === 'wrong-password')
        return go('password', { inspection: undefined, error: { what: inspection.message, hint: 'Type the password again.' } });
      if (!inspection.ok) return go('path', { inspection: undefined, error: { what: inspection.message } });
      go('inspected', {
        inspection,
        certificateId: u.certificateId || suggestCertificateId(basename(u.path.trim()).replace(/\.(pfx|p12)$/i, '')),
      });
    } catch (e) {
      if (stop.signal.aborted) return undefined;
      go('path', { error: describeError(e) });
    } finally {
      if (parsing.current === stop) parsing.current = undefined;
    }
  };
  const checkFile = async (typed: string) => {
    if (!typed.trim()) return set({ error: { what: 'Type the path to a .pfx file.' } });
    go('checking');
    try {
      const file = await actions.checkPfxFile(typed);
      // The expanded path from here on: what the password screen names and the upload reads.
      return file.ok ? go('password', { path: file.path }) : go('path', { error: { what: file.message } });
    } catch (e) {
      return go('path', { error: describeError(e) });
    }
  };
  const confirm = async () => {
    const inspection = u.inspection;
    if (!inspection?.ok || !password.current) return;
    go('working');
    let pfx: Secret;
    try {
      // The engine reads the bytes (bounded, as a Secret): this screen never touches the file.
      pfx = await actions.readPfx(u.path.trim());
    } catch (e) {
      return go('path', { error: describeError(e) });
    }
    const error = await actions.chooseCertificate(
      { kind: 'pfx', certificateId: u.certificateId, path: u.path.trim(), inspection, pfx, password: password.current },
      'upload',
    );
    if (error) go('confirm', { error });
  };
  const back = () => {
    switch (u.stage) {
      case 'path':
        return actions.open('checklist');
      case 'password':
        return go('path');
      case 'inspecting':
        parsing.current?.abort();
        return go('password', {
          error: { what: 'Stopped reading the file.', hint: 'Type the password again, or Esc to pick another file.' },
        });
      case 'inspected':
        return go('password');
      case 'name':
        return go('inspected');
      case 'confirm':
        return go('name');
      default:
        return undefined;
    }
  };
  useKeys(
    keyContext,
    u.stage === 'inspected'
      ? { back, enter: () => (u.inspection?.ok && u.inspection.hasPrivateKey ? go('name') : undefined) }
      : u.stage === 'confirm'
        ? { back, enter: () => void confirm() }
        : { back },
    active,
  );

  const errorLines: Line[] = u.error
    ? [
        ...para(`✖ ${oneLine(u.error.what)}`, width, { color: THEME.danger }),
        ...(u.error.hint ? para(`What to do: ${u.error.hint}`, width) : []),
      ]
    : [];
  const frame = (children: ReactNode) => (
    <ScreenFrame height={height} width={width} context={keyContext}>
      <Text bold wrap="truncate">
        {truncate('Upload a .pfx certificate (step 5b)', width)}
      </Text>
      {children}
    </ScreenFrame>
  );
  const field = (label: string, input: ReactNode) => (
    <>
      <Text>{label}</Text>
      <Box height={1}>
        <Text>› </Text>
        {input}
      </Box>
      <Lines lines={errorLines} height={Math.max(1, body - 3)} />
    </>
  );

  switch (u.stage) {
    case 'path':
      return frame(
        field(
          'Path to the .pfx file:',
          <TextField
            value={u.path}
            onChange={(v) => set({ path: v, error: undefined })}
            onSubmit={(v) => void checkFile(v)}
            focus={active}
          />,
        ),
      );
    case 'password':
      return frame(
        field(
          `Password for ${truncate(basename(u.path.trim()), width - 14)}:`,
          <PasswordInput focus={active} onSubmit={(s) => void inspect(s)} />,
        ),
      );
    case 'checking':
      // A password typed ahead while the file is checked goes to the password field, not to this screen.
      return frame(
        <HoldKeys>
          <Text color={THEME.caution}>Reading the file locally (nothing is sent)…</Text>
        </HoldKeys>,
      );
    case 'inspecting':
    case 'working':
      return frame(
        <Text color={THEME.caution}>
          {u.stage === 'working' ? 'Re-checking with this certificate…' : 'Reading the file locally (nothing is sent)…'}
        </Text>,
      );
    case 'inspected': {
      const ok = u.inspection?.ok === true && u.inspection.hasPrivateKey;
      const lines = [
        ...inspectionLines(u.inspection!, now, width),
        ok
          ? { text: 'Enter  continue (name it, then preview the upload)', color: THEME.accent }
          : { text: 'Esc  back: this file cannot be uploaded', color: THEME.muted },
      ];
      return frame(<Lines lines={lines} height={body - 1} />);
    }
    case 'name':
      return frame(
        field(
          'Certificate id in API Management:',
          <TextField
            value={u.certificateId}
            onChange={(v) => set({ certificateId: v, error: undefined })}
            onSubmit={(v) => {
              const problem = validCertificateId(v.trim());
              return problem ? set({ error: { what: problem } }) : go('confirm', { certificateId: v.trim() });
            }}
            focus={active}
          />,
        ),
      );
    case 'confirm': {
      const i = u.inspection;
      const lines: Line[] = [
        { text: 'About to plan:', bold: true },
        { text: truncate(`  File         ${u.path.trim()}`, width) },
        { text: truncate(`  Subject      ${i?.ok ? i.subject : ''}`, width) },
        { text: truncate(`  Certificate  ${u.certificateId}`, width) },
        { text: '  Password     (hidden)' },
        { text: 'Enter  re-check with this file and preview the upload (nothing is written yet)', color: THEME.accent },
        ...errorLines,
      ];
      return frame(<Lines lines={lines} height={body - 1} />);
    }
  }
}
