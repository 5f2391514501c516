// Screen 2: a fix, from preview (the exact requests, the az equivalent, roles, disruption, whether you
// may apply it) through an explicit confirmation (y, or Enter on "Apply"; never Esc, never a digit),
// progress while it applies, to the re-check result.
import { Box, Text } from 'ink';
import { useState } from 'react';
import type { Facts } from '../checks/facts.ts';
import { fixPermission } from '../checks/permissions.ts';
import type { Finding, FixPlan } from '../checks/types.ts';
import type { Evaluation } from '../runbook/engine-types.ts';
import { describeError } from './describe-error.ts';
import { Lines, para, type Line } from './Lines.tsx';
import { ProgressLine } from './ProgressLine.tsx';
import { FRAME_ROWS, ScreenFrame } from './ScreenFrame.tsx';
import type { FixFlowState } from './state.ts';
import { oneLine } from '../checks/escape.ts';
import { truncate } from './text.ts';
import { STATUS, statusLabel, THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';
import { useKeys } from './use-keys.ts';
import { useRunbook } from './use-runbook.ts';
import { useRunbookActions } from './use-runbook-actions.ts';

function diffColor(line: string): Line['color'] {
  if (line.startsWith('+')) return THEME.added;
  if (line.startsWith('-')) return THEME.removed;
  return THEME.muted;
}

/** Everything the preview shows, as lines to scroll through. */
export function previewLines(plan: FixPlan, facts: Facts | undefined, width: number): Line[] {
  const lines: Line[] = [];
  const section = (title: string) => lines.push({ text: title, bold: true });
  section(`Requests (${plan.preview.length}):`);
  for (const req of plan.preview) {
    lines.push(...para(`${req.method} ${req.path}`, width, { color: THEME.accent }, '    '));
    for (const d of req.diff) lines.push(...para(d, width, { color: diffColor(d) }, '    '));
    if (req.body !== undefined) {
      lines.push({ text: '  body:', color: THEME.muted });
      for (const b of JSON.stringify(req.body, null, 2).split('\n')) lines.push(...para(`    ${b}`, width, { color: THEME.muted }, '      '));
    }
  }
  section('az equivalent:');
  for (const a of plan.az) lines.push(...para(`  ${a}`, width, {}, '    '));
  section('Required roles:');
  if (plan.requiredRoles.length === 0) lines.push({ text: '  none beyond read access' });
  for (const r of plan.requiredRoles) lines.push(...para(`  ${r.role} on ${r.scope}`, width, {}, '    '));
  lines.push(...para(`Disruption: ${plan.disruption ?? 'none expected'}`, width));
  if (plan.temporary) lines.push(...para('Temporary: yes — apimkv records it and offers to remove it when you are done.', width, { color: THEME.caution }));
  if (plan.propagation === 'rbac') lines.push(...para('Access changes can take minutes to be honoured; apimkv waits and re-checks.', width));
  // The engine asks the same question right before it writes.
  const may = facts ? fixPermission(plan, facts) : { allowed: 'unknown' as const, reason: 'no facts yet' };
  if (may.allowed === true) lines.push({ text: `You may apply this: ${statusLabel('pass')} yes`, color: STATUS.pass.color });
  else if (may.allowed === false) lines.push(...para(`You may apply this: ${statusLabel('fail')} no — missing ${may.missing.join(', ')}`, width, { color: STATUS.fail.color }));
  else lines.push(...para(`You may apply this: ${statusLabel('unknown')} — ${may.reason}`, width, { color: STATUS.unknown.color }));
  return lines;
}

/** The temporary client IP rule's removal, when the checks offer one. */
export function cleanupPlan(evaluation: Evaluation | undefined): FixPlan | undefined {
  return evaluation?.findings.find((f) => f.fix?.operations.some((o) => o.kind === 'vault.removeIpRule'))?.fix;
}

function resultLines(fix: FixFlowState, evaluation: Evaluation | undefined, hasCleanup: boolean, width: number): Line[] {
  const lines: Line[] = [];
  if (fix.error) {
    lines.push(...para(`${statusLabel('fail')}  ${oneLine(fix.error.what)}`, width, { color: STATUS.fail.color, bold: true }));
    if (fix.error.hint) lines.push(...para(`What to do: ${oneLine(fix.error.hint)}`, width));
    return lines;
  }
  const outcome = fix.outcome!;
  lines.push(...para(`${statusLabel(outcome.ok ? 'pass' : 'fail')}  ${oneLine(outcome.message)}`, width, { color: outcome.ok ? STATUS.pass.color : STATUS.fail.color, bold: true }));
  for (const r of outcome.results) {
    lines.push(...para(`  ${r.outcome}: ${oneLine(r.message)}`, width, { color: r.outcome === 'failed' ? THEME.danger : THEME.muted }, '    '));
    if (r.error) {
      const view = describeError(r.error);
      if (view.what !== r.message) lines.push(...para(`    ${oneLine(view.what)}`, width, { color: THEME.danger }, '    '));
      if (view.hint) lines.push(...para(`    What to do: ${oneLine(view.hint)}`, width, {}, '    '));
    }
    if (r.lost.length) lines.push(...para(`    Missing afterwards: ${oneLine(r.lost.join(', '))}`, width, { color: THEME.danger }, '    '));
  }
  const after: Finding | undefined = outcome.after;
  if (after) lines.push({ text: truncate(`Re-check: ${after.checkId} is now ${statusLabel(after.status)}`, width), color: STATUS[after.status].color });
  // A certificate write is only done when API Management could fetch the secret: show lastStatus.
  const certOp = fix.plan.operations.find((o) => o.kind === 'apim.putKeyVaultCertificate' || o.kind === 'apim.uploadCertificate');
  if (certOp && (certOp.kind === 'apim.putKeyVaultCertificate' || certOp.kind === 'apim.uploadCertificate')) {
    const certs = (outcome.evaluation ?? evaluation)?.facts.apimCertificates;
    const cert = certs?.ok ? certs.value.find((c) => c.name.toLowerCase() === certOp.certificateId.toLowerCase()) : undefined;
    const last = cert?.keyVault?.lastStatus;
    if (certOp.kind === 'apim.putKeyVaultCertificate') {
      if (last) {
        const ok = last.code.toLowerCase() === 'success';
        lines.push(...para(`Key Vault fetch (lastStatus): ${statusLabel(ok ? 'pass' : 'fail')} ${last.code}${last.message ? ` — ${oneLine(last.message)}` : ''}${last.timeStampUtc ? ` (${last.timeStampUtc})` : ''}`, width, { color: ok ? STATUS.pass.color : STATUS.fail.color }));
      } else {
        lines.push({ text: `Key Vault fetch (lastStatus): ${statusLabel('unknown')} not reported yet — press r to re-check`, color: STATUS.unknown.color });
      }
    }
    if (cert?.expirationDate) lines.push({ text: truncate(`Certificate ${cert.name}: ${cert.subject ?? ''} expires ${cert.expirationDate}`, width), color: THEME.muted });
  }
  if (hasCleanup) lines.push({ text: 'c  remove the temporary client IP rule apimkv added', color: THEME.caution });
  return lines;
}

export function FixFlow({ width, height, active }: { width: number; height: number; active: boolean }) {
  const { fix, evaluation, context } = useRunbook();
  const actions = useRunbookActions();
  const [scroll, setScroll] = useState({ plan: '', top: 0 });
  const body = height - FRAME_ROWS;
  const phase = fix?.phase ?? 'preview';
  const keyContext = phase === 'preview' ? 'preview' : phase === 'applying' ? 'applying' : 'result';
  useKeyScope(keyContext, active);

  const plan = fix?.plan;
  const lines = plan && phase === 'preview' ? previewLines(plan, evaluation?.facts, width) : [];
  const scrollRows = Math.max(1, body - 2);
  const maxTop = Math.max(0, lines.length - scrollRows);
  const top = plan && scroll.plan === plan.id ? Math.min(scroll.top, maxTop) : 0;
  const scrollBy = (d: number) => plan && setScroll({ plan: plan.id, top: Math.max(0, Math.min(maxTop, top + d)) });
  const cleanup = phase === 'done' && actions.temporaryChanges().length > 0 ? cleanupPlan(evaluation) : undefined;

  useKeys(
    keyContext,
    phase === 'preview'
      ? {
          up: () => scrollBy(-1),
          down: () => scrollBy(1),
          pageUp: () => scrollBy(-scrollRows),
          pageDown: () => scrollBy(scrollRows),
          apply: () => void actions.applyFix(),
          enter: () => void actions.applyFix(),
          back: actions.back,
          skip: fix?.all ? actions.nextFix : undefined,
        }
      : phase === 'done'
        ? {
            enter: fix?.all ? actions.nextFix : actions.back,
            skip: fix?.all ? actions.nextFix : undefined,
            back: actions.back,
            recheck: () => void actions.recheck(),
            cleanup: cleanup ? () => actions.previewFix(cleanup) : undefined,
          }
        : {},
    active,
  );
  if (!fix || !plan) return null;

  // The fix-all position goes first: a long title is truncated, the position must stay visible.
  const step = fix.all ? `[fix all ${fix.all.tried.checks.length + 1} of ${Math.max(fix.all.total, fix.all.tried.checks.length + 1)}] ` : '';
  const title = <Text bold wrap="truncate">{truncate(`${step}Fix ${plan.checkId}: ${plan.title}`, width)}</Text>;

  if (phase === 'preview') {
    const shown = lines.slice(top, top + scrollRows);
    const more = lines.length - top - shown.length;
    const readOnly = context.readOnly;
    return (
      <ScreenFrame height={height} width={width} context="preview">
        {title}
        <Box flexDirection="column" height={scrollRows} overflow="hidden">
          {shown.map((l, i) => (
            <Text key={i} color={l.color} bold={l.bold} wrap="truncate">
              {i === shown.length - 1 && more > 0 ? truncate(`  ↓ ${more} more lines (j/↓ scroll)`, width) : l.text || ' '}
            </Text>
          ))}
        </Box>
        <Box>
          {readOnly ? (
            <Text color={THEME.muted}>[ Apply ] disabled: read-only mode — nothing will be written</Text>
          ) : (
            <>
              <Text inverse bold color={THEME.accent}>
                {' Apply '}
              </Text>
              <Text>{truncate(`  y or Enter applies${fix.all ? ' · s skips this one' : ''} · Esc goes back without writing`, width - 7)}</Text>
            </>
          )}
        </Box>
      </ScreenFrame>
    );
  }

  if (phase === 'applying') {
    const rows = Math.max(1, body - 2);
    const shown = fix.progress.slice(-rows);
    return (
      <ScreenFrame height={height} width={width} context="applying" footerExtra="applying… (a write is in flight)">
        {title}
        <Text color={THEME.muted}> </Text>
        {shown.length === 0 && <Text color={THEME.accent}>· starting…</Text>}
        {shown.map((p, i) => (
          <ProgressLine key={i} progress={p} current={i === shown.length - 1} width={width} />
        ))}
      </ScreenFrame>
    );
  }

  const result = resultLines(fix, evaluation, Boolean(cleanup), width);
  const next = fix.all ? 'Enter next fix' : 'Enter back to the checklist';
  return (
    <ScreenFrame height={height} width={width} context="result" footerExtra={next}>
      {title}
      <Lines lines={result} height={body - 1} />
    </ScreenFrame>
  );
}
