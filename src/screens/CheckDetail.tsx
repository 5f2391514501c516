// A check full-screen (Enter on the checklist): everything the check found, wrapped and scrollable, with
// full resource ids and URLs. az lines are kept whole (broken only at spaces, see wrapCommand) and C sends
// the command, or else the first resource id or the docs link, to the local clipboard (OSC 52).
import { oneLine } from '../checks/escape.ts';
import { Box, Text } from 'ink';
import { useState } from 'react';
import type { ChecklistRow } from './checklist-model.ts';
import { para, type Line } from './Lines.tsx';
import { FRAME_ROWS, ScreenFrame } from './ScreenFrame.tsx';
import { columns, sliceColumns, truncate, wrapCommand } from './text.ts';
import { STATUS, statusLabel, THEME } from './theme.ts';
import { useKeys } from './use-keys.ts';
import { useRunbookActions } from './use-runbook-actions.ts';

const ARM_ID = /\/subscriptions\/[^\s"',;)]+/i;

/** What C copies from a check: its fix's az lines, else a resource id it names, else its docs link. */
export function copyTarget(row: ChecklistRow): { text: string; what: string } | undefined {
  const f = row.finding;
  if (!f) return { text: row.step.docLink, what: 'the docs link' };
  if (f.fix?.az.length) return { text: f.fix.az.join('\n'), what: `the az command for ${f.checkId}` };
  const id = [...f.evidence, f.cause].map((t) => ARM_ID.exec(t)?.[0]).find(Boolean);
  if (id) return { text: id, what: 'the resource id' };
  if (f.docLink) return { text: f.docLink, what: 'the docs link' };
  return undefined;
}

/** Every line of a check's detail, nothing cut. */
export function fullDetailLines(row: ChecklistRow, width: number): Line[] {
  const lines: Line[] = [];
  const section = (t: string) => lines.push({ text: ' ' }, { text: t, bold: true });
  if (!row.finding) {
    lines.push(
      ...para(`${row.stepNumber}. ${row.step.title} — ${statusLabel(row.status)}`, width, { bold: true, color: STATUS[row.status].color }),
    );
    lines.push(...para(row.step.why, width));
    lines.push(...para(`Docs: ${row.step.docLink}`, width, { color: THEME.muted }, '  '));
    return lines;
  }
  const f = row.finding;
  lines.push(
    ...para(`${statusLabel(f.status)}  ${f.checkId} — ${oneLine(f.title)}`, width, { bold: true, color: STATUS[f.status].color }, '  '),
  );
  lines.push({ text: truncate(`Step ${row.stepNumber}. ${row.step.title}`, width), color: THEME.muted });
  lines.push(...para(oneLine(f.cause), width));
  if (f.missingAction) lines.push(...para(`Missing permission: ${f.missingAction}`, width, { color: THEME.caution }, '  '));
  if (f.fix) {
    section(`Fix (f): ${f.fix.title}${f.fix.temporary ? ' (temporary; offered for removal later)' : ''}`);
    for (const a of f.fix.az) lines.push(...wrapCommand(`  ${a}`, width).map((t) => ({ text: t, wide: true })));
  }
  if (f.evidence.length) {
    section(`Evidence (${f.evidence.length}):`);
    for (const e of f.evidence) lines.push(...para(`  ${oneLine(e)}`, width, { color: THEME.muted }, '    '));
  }
  if (f.docLink) {
    section('Docs:');
    lines.push(...para(`  ${f.docLink}`, width, { color: THEME.muted }, '  '));
  }
  section(`Why this matters (step ${row.stepNumber}):`);
  lines.push(...para(row.step.why, width, {}, '  '));
  return lines;
}

export function CheckDetail({
  row,
  width,
  height,
  active,
  onBack,
}: {
  row: ChecklistRow;
  width: number;
  height: number;
  active: boolean;
  onBack: () => void;
}) {
  const actions = useRunbookActions();
  const [view, setView] = useState({ top: 0, left: 0 });
  const lines = fullDetailLines(row, width);
  const rows = Math.max(1, height - FRAME_ROWS);
  const maxTop = Math.max(0, lines.length - rows);
  const maxLeft = Math.max(0, ...lines.filter((l) => l.wide).map((l) => columns(l.text) - width));
  const top = Math.min(view.top, maxTop);
  const left = Math.min(view.left, maxLeft);
  const to = (t: number, l = left) => setView({ top: Math.max(0, Math.min(maxTop, t)), left: Math.max(0, Math.min(maxLeft, l)) });
  const target = copyTarget(row);
  useKeys(
    'detail',
    {
      up: () => to(top - 1),
      down: () => to(top + 1),
      pageUp: () => to(top - rows + 1),
      pageDown: () => to(top + rows - 1),
      top: () => to(0),
      bottom: () => to(maxTop),
      left: () => to(top, left - Math.floor(width / 2)),
      right: () => to(top, left + Math.floor(width / 2)),
      copy: () =>
        target ? actions.copy(target.text, target.what) : actions.notify({ tone: 'info', text: 'Nothing to copy on this check.' }),
      fix: () =>
        row.finding?.fix
          ? actions.previewFix(row.finding.fix)
          : actions.notify({ tone: 'info', text: `${row.finding?.checkId ?? 'This step'} has no one-key fix.` }),
      back: onBack,
    },
    active,
  );
  const shown = lines.slice(top, top + rows);
  const below = lines.length - top - shown.length;
  const position = lines.length > rows ? `lines ${top + 1}-${top + shown.length} of ${lines.length}${below ? ' · ↓ more' : ''}` : '';
  return (
    <ScreenFrame
      height={height}
      width={width}
      context="detail"
      footerExtra={[position, maxLeft ? '←/→ wide lines' : ''].filter(Boolean).join(' · ')}
    >
      <Box flexDirection="column" height={rows} overflow="hidden">
        {shown.map((l, i) => (
          <Text key={i} color={l.color} bold={l.bold} wrap="truncate">
            {truncate((l.wide ? sliceColumns(l.text, Infinity, left) : l.text) || ' ', width)}
          </Text>
        ))}
      </Box>
    </ScreenFrame>
  );
}
