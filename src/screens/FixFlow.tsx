// Screen 2: a fix, from preview (what it interrupts and changes first, then the exact requests, roles, the
// az equivalent and bodies) through an explicit confirmation, progress while it applies, to the re-check
// result. Only `y` writes, and only on the preview's first screen (the one that says what it interrupts):
// Enter is "next" on the wizard screens before it, so Enter typed ahead must never confirm a write.
import { Box, Text } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { Facts } from '../checks/facts.ts';
import { oneLine } from '../checks/escape.ts';
import { fixPermission } from '../checks/permissions.ts';
import type { Finding, FixPlan } from '../checks/types.ts';
import type { Evaluation } from '../runbook/engine-types.ts';
import { cleanupPlan } from './cleanup-plan.ts';
import { describeError } from './describe-error.ts';
import { Lines, para, type Line } from './Lines.tsx';
import { Activity } from './Activity.tsx';
import { ProgressLine } from './ProgressLine.tsx';
import { FRAME_ROWS, ScreenFrame } from './ScreenFrame.tsx';
import type { FixFlowState } from './state.ts';
import { columns, sliceColumns, truncate, wrapCommand } from './text.ts';
import { STATUS, statusLabel, THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';
import { useKeyGate } from './key-gate.ts';
import { useKeys } from './use-keys.ts';
import { useRunbook } from './use-runbook.ts';
import { useRunbookActions } from './use-runbook-actions.ts';

/** Lines of a command or JSON: broken only at spaces, kept whole for copying (see wrapCommand). */
function commandLines(text: string, width: number, color?: Line['color']): Line[] {
  return wrapCommand(text, width).map((t) => ({ text: t, color, wide: true }));
}

function diffColor(line: string): Line['color'] {
  if (line.startsWith('+')) return THEME.added;
  if (line.startsWith('-')) return THEME.removed;
  return THEME.muted;
}

/** A fix interrupts something when its plan says so in words other than "None…". */
export function isDisruptive(plan: FixPlan): boolean {
  return Boolean(plan.disruption) && !/^none\b/i.test(plan.disruption!.trim());
}

/**
 * Everything the preview shows, as lines to scroll through. The first screen is the confirmation: what it
 * interrupts, then what changes (each request and its diff); bodies, az lines and roles follow below.
 */
export function previewLines(plan: FixPlan, facts: Facts | undefined, width: number): Line[] {
  const lines: Line[] = [];
  const section = (title: string) => lines.push({ text: title, bold: true });
  if (isDisruptive(plan)) lines.push(...para(`▲ Interrupts: ${plan.disruption}`, width, { color: THEME.caution, bold: true }, '  '));
  else lines.push(...para(`Disruption: ${plan.disruption ?? 'none expected'}`, width, { color: THEME.muted }, '  '));
  if (plan.temporary)
    lines.push(...para('Temporary: yes — apimkv records it and offers to remove it when you are done.', width, { color: THEME.caution }));
  section(`Changes (${plan.preview.length} request${plan.preview.length === 1 ? '' : 's'}):`);
  for (const req of plan.preview) {
    lines.push(...para(`${req.method} ${oneLine(req.path)}`, width, { color: THEME.accent }, '    '));
    for (const d of req.diff) lines.push(...para(oneLine(d), width, { color: diffColor(d) }, '    '));
  }
  // The engine asks the same question right before it writes.
  const may = facts ? fixPermission(plan, facts) : { allowed: 'unknown' as const, reason: 'no facts yet' };
  if (plan.denied)
    lines.push(
      ...para(`You may apply this: ${statusLabel('fail')} no — ${oneLine(plan.denied.message)}`, width, { color: STATUS.fail.color }),
    );
  else if (may.allowed === true) lines.push({ text: `You may apply this: ${statusLabel('pass')} yes`, color: STATUS.pass.color });
  else if (may.allowed === false)
    lines.push(
      ...para(`You may apply this: ${statusLabel('fail')} no — missing ${may.missing.join(', ')}`, width, { color: STATUS.fail.color }),
    );
  else lines.push(...para(`You may apply this: ${statusLabel('unknown')} — ${may.reason}`, width, { color: STATUS.unknown.color }));
  if (plan.propagation === 'rbac')
    lines.push(...para('Access changes can take minutes to be honoured; apimkv waits and re-checks.', width));
  if (plan.ownership?.length) {
    section('Who deploys this (evidence, not certainty):');
    for (const o of plan.ownership) lines.push(...para(`  ${oneLine(o)}`, width, {}, '    '));
  }
  if (plan.templates) {
    // The template change: without it the next deployment of the resource's template reverts the fix.
    section('The same change for your template — Bicep:');
    for (const b of plan.templates.bicep.split('\n')) lines.push(...para(`  ${b}`, width, { color: THEME.muted }, '      '));
    section('Terraform:');
    for (const t of plan.templates.terraform.split('\n')) lines.push(...para(`  ${t}`, width, { color: THEME.muted }, '      '));
  }
  section('Required roles:');
  if (plan.requiredRoles.length === 0) lines.push({ text: '  none beyond read access' });
  for (const r of plan.requiredRoles) lines.push(...para(`  ${r.role} on ${r.scope}`, width, {}, '    '));
  section('az equivalent:');
  for (const a of plan.az) lines.push(...commandLines(`  ${a}`, width));
  const bodies = plan.preview.filter((r) => r.body !== undefined);
  if (bodies.length) section('Request bodies:');
  for (const req of bodies) {
    lines.push({ text: truncate(`  ${req.method} ${req.path.split('/').at(-1) ?? ''}`, width), color: THEME.muted });
    for (const b of JSON.stringify(req.body, null, 2).split('\n')) lines.push(...commandLines(`    ${b}`, width, THEME.muted));
  }
  return lines;
}

function resultLines(fix: FixFlowState, evaluation: Evaluation | undefined, hasCleanup: boolean, width: number): Line[] {
  const lines: Line[] = [];
  if (fix.error) {
    lines.push(...para(`${statusLabel('fail')}  ${oneLine(fix.error.what)}`, width, { color: STATUS.fail.color, bold: true }));
    if (fix.error.hint) lines.push(...para(`What to do: ${oneLine(fix.error.hint)}`, width));
    return lines;
  }
  const outcome = fix.outcome!;
  lines.push(
    ...para(`${statusLabel(outcome.ok ? 'pass' : 'fail')}  ${oneLine(outcome.message)}`, width, {
      color: outcome.ok ? STATUS.pass.color : STATUS.fail.color,
      bold: true,
    }),
  );
  for (const r of outcome.results) {
    lines.push(
      ...para(`  ${r.outcome}: ${oneLine(r.message)}`, width, { color: r.outcome === 'failed' ? THEME.danger : THEME.muted }, '    '),
    );
    if (r.error) {
      const view = describeError(r.error);
      if (view.what !== r.message) lines.push(...para(`    ${oneLine(view.what)}`, width, { color: THEME.danger }, '    '));
      if (view.hint) lines.push(...para(`    What to do: ${oneLine(view.hint)}`, width, {}, '    '));
    }
    if (r.lost.length) lines.push(...para(`    Missing afterwards: ${oneLine(r.lost.join(', '))}`, width, { color: THEME.danger }, '    '));
  }
  const after: Finding | undefined = outcome.after;
  if (after)
    lines.push({
      text: truncate(`Re-check: ${after.checkId} is now ${statusLabel(after.status)}`, width),
      color: STATUS[after.status].color,
    });
  // A certificate write is only done when API Management could fetch the secret: show lastStatus.
  const certOp = fix.plan.operations.find((o) => o.kind === 'apim.putKeyVaultCertificate' || o.kind === 'apim.uploadCertificate');
  if (certOp && (certOp.kind === 'apim.putKeyVaultCertificate' || certOp.kind === 'apim.uploadCertificate')) {
    const certs = (outcome.evaluation ?? evaluation)?.facts.apimCertificates;
    const cert = certs?.ok ? certs.value.find((c) => c.name.toLowerCase() === certOp.certificateId.toLowerCase()) : undefined;
    const last = cert?.keyVault?.lastStatus;
    if (certOp.kind === 'apim.putKeyVaultCertificate') {
      if (last) {
        const ok = last.code.toLowerCase() === 'success';
        lines.push(
          ...para(
            `Key Vault fetch (lastStatus): ${statusLabel(ok ? 'pass' : 'fail')} ${last.code}${last.message ? ` — ${oneLine(last.message)}` : ''}${last.timeStampUtc ? ` (${last.timeStampUtc})` : ''}`,
            width,
            { color: ok ? STATUS.pass.color : STATUS.fail.color },
          ),
        );
      } else {
        lines.push({
          text: `Key Vault fetch (lastStatus): ${statusLabel('unknown')} not reported yet — press r to re-check`,
          color: STATUS.unknown.color,
        });
      }
    }
    if (cert?.expirationDate)
      lines.push({
        text: truncate(`Certificate ${cert.name}: ${cert.subject ?? ''} expires ${cert.expirationDate}`, width),
        color: THEME.muted,
      });
  }
  if (hasCleanup) lines.push({ text: 'c  remove the temporary client IP rule apimkv added', color: THEME.caution });
  return lines;
}

export function FixFlow({ width, height, active }: { width: number; height: number; active: boolean }) {
  const { fix, evaluation, context } = useRunbook();
  const actions = useRunbookActions();
  const [scroll, setScroll] = useState({ plan: '', top: 0, left: 0 });
  const body = height - FRAME_ROWS;
  const phase = fix?.phase ?? 'preview';
  const keyContext = phase === 'preview' ? 'preview' : phase === 'applying' ? 'applying' : 'result';
  useKeyScope(keyContext, active);

  const plan = fix?.plan;
  // When this preview was put on screen: a y that reached apimkv before then was typed ahead, unseen.
  const gate = useKeyGate();
  const shownAt = useRef(Number.POSITIVE_INFINITY);
  const shownPlan = plan && phase === 'preview' ? plan.id : undefined;
  useEffect(() => {
    shownAt.current = shownPlan ? performance.now() : Number.POSITIVE_INFINITY;
  }, [shownPlan]);
  const lines = plan && phase === 'preview' ? previewLines(plan, evaluation?.facts, width) : [];
  const scrollRows = Math.max(1, body - 2);
  const maxTop = Math.max(0, lines.length - scrollRows);
  const widest = Math.max(0, ...lines.filter((l) => l.wide).map((l) => columns(l.text)));
  const maxLeft = Math.max(0, widest - width);
  const view = plan && scroll.plan === plan.id ? scroll : { plan: plan?.id ?? '', top: 0, left: 0 };
  const top = Math.min(view.top, maxTop);
  const left = Math.min(view.left, maxLeft);
  const scrollBy = (d: number) => plan && setScroll({ plan: plan.id, top: Math.max(0, Math.min(maxTop, top + d)), left });
  const scrollSideways = (d: number) => plan && setScroll({ plan: plan.id, top, left: Math.max(0, Math.min(maxLeft, left + d)) });
  const cleanup = phase === 'done' && actions.temporaryChanges().length > 0 ? cleanupPlan(evaluation) : undefined;
  const confirm = () => {
    // Typed-ahead keys reach the screen they were meant for, but never confirm a write nobody has seen.
    if ((gate?.receivedAt() ?? Number.POSITIVE_INFINITY) < shownAt.current) {
      actions.notify({ tone: 'info', text: 'A y typed before this preview was on screen applies nothing: read it, then press y.' });
      return;
    }
    // The first screen is the confirmation: from further down, y first brings it back into view.
    if (top > 0) {
      scrollBy(-top);
      actions.notify({ tone: 'info', text: 'y applies from the first screen of the preview (shown again now): press y to apply.' });
      return;
    }
    void actions.applyFix();
  };

  useKeys(
    keyContext,
    phase === 'preview'
      ? {
          up: () => scrollBy(-1),
          down: () => scrollBy(1),
          pageUp: () => scrollBy(-scrollRows),
          pageDown: () => scrollBy(scrollRows),
          top: () => scrollBy(-top),
          bottom: () => scrollBy(maxTop),
          left: () => scrollSideways(-Math.floor(width / 2)),
          right: () => scrollSideways(Math.floor(width / 2)),
          copy: () => plan && actions.copy(plan.az.join('\n'), `the az equivalent of ${plan.checkId}`),
          apply: confirm,
          enter: () => actions.notify({ tone: 'info', text: 'Enter never applies a fix: y applies it, Esc goes back without writing.' }),
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
        : { stop: actions.stopWaiting },
    active,
  );
  if (!fix || !plan) return null;

  // The fix-all position goes first: a long title is truncated, the position must stay visible.
  const step = fix.all
    ? `[fix all ${fix.all.tried.checks.length + 1} of ${Math.max(fix.all.total, fix.all.tried.checks.length + 1)}] `
    : '';
  const title = (
    <Text bold wrap="truncate">
      {truncate(`${step}Fix ${plan.checkId}: ${plan.title}`, width)}
    </Text>
  );

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
              {i === shown.length - 1 && more > 0
                ? truncate(`  ↓ ${more} more lines (j/↓ scroll)`, width)
                : truncate((l.wide ? sliceColumns(l.text, Infinity, left) : l.text) || ' ', width)}
            </Text>
          ))}
        </Box>
        <Box>
          {readOnly ? (
            <Text color={THEME.muted}>[ Apply ] disabled: read-only mode — nothing will be written</Text>
          ) : top > 0 ? (
            <Text color={THEME.muted}>
              {truncate(`g back to the top, where y applies${maxLeft ? ' · ←/→ wide lines' : ''} · Esc goes back without writing`, width)}
            </Text>
          ) : (
            <>
              <Text inverse bold color={THEME.accent}>
                {' Apply '}
              </Text>
              <Text>
                {truncate(
                  `  y applies${fix.all ? ' · s skips this one' : ''} · Esc goes back without writing${maxLeft ? ' · ←/→ wide lines' : ''}`,
                  width - 7,
                )}
              </Text>
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
      <ScreenFrame height={height} width={width} context="applying" footerExtra="a write is in flight">
        {title}
        <Activity label="applying" since={fix.startedAt} detail="Esc stops waiting" width={width} />
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
