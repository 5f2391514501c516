// Screen 1: the runbook's steps in order with every check's status, and the selected row's details.
import { oneLine } from '../checks/escape.ts';
import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { checklistRows, statusCounts, type ChecklistRow } from './checklist-model.ts';
import { capLines, Lines, para, type Line } from './Lines.tsx';
import { ScreenFrame, FRAME_ROWS } from './ScreenFrame.tsx';
import { SelectList } from './SelectList.tsx';
import { fit, truncate } from './text.ts';
import { STATUS, STATUS_WIDTH, statusLabel, THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';
import { useRunbook } from './use-runbook.ts';
import { useRunbookActions } from './use-runbook-actions.ts';

const ID_WIDTH = 20;

function RowView({ row, selected, width }: { row: ChecklistRow; selected: boolean; width: number }) {
  const style = STATUS[row.status];
  const textWidth = width - STATUS_WIDTH - 1;
  const text =
    row.kind === 'step'
      ? `${selected ? '›' : ' '} ${row.stepNumber}. ${row.step.title}`
      : `${selected ? '›' : ' '}    ${fit(row.finding!.checkId, ID_WIDTH)} ${row.finding!.title}`;
  return (
    <Box width={width}>
      <Text bold={row.kind === 'step' || selected} color={selected ? THEME.accent : undefined} wrap="truncate">
        {fit(text, textWidth)}
      </Text>
      <Text> </Text>
      <Text color={style.color} bold={row.kind === 'step'}>
        {fit(statusLabel(row.status), STATUS_WIDTH)}
      </Text>
    </Box>
  );
}

/** The detail pane's lines for a row (pure, so its height can be planned). */
export function detailLines(row: ChecklistRow, showWhy: boolean, width: number): Line[] {
  const lines: Line[] = [];
  const why = (): Line[] => [{ text: `Why this matters (step ${row.stepNumber}):`, bold: true }, ...para(row.step.why, width, {}, '  ')];
  if (row.kind === 'step') {
    lines.push({ text: `${row.stepNumber}. ${row.step.title} — ${statusLabel(row.status)}`, bold: true, color: STATUS[row.status].color });
    lines.push(...para(row.step.why, width));
    lines.push({ text: truncate(`Docs: ${row.step.docLink}`, width), color: THEME.muted });
    return lines;
  }
  const f = row.finding!;
  if (showWhy) lines.push(...why());
  lines.push({ text: truncate(`${statusLabel(f.status)}  ${f.checkId} — ${f.title}`, width), bold: true, color: STATUS[f.status].color });
  lines.push(...para(oneLine(f.cause), width));
  if (f.missingAction) lines.push({ text: truncate(`Missing permission: ${f.missingAction}`, width), color: THEME.caution });
  if (f.fix) {
    const temp = f.fix.temporary ? ' (temporary; offered for removal later)' : '';
    lines.push({ text: truncate(`f  fix: ${f.fix.title}${temp}`, width), color: THEME.accent });
  }
  if (f.docLink) lines.push({ text: truncate(`Docs: ${f.docLink}`, width), color: THEME.muted });
  if (f.evidence.length) {
    lines.push({ text: 'Evidence:', bold: true });
    for (const e of f.evidence) lines.push({ text: truncate(`  ${e}`, width), color: THEME.muted });
  }
  if (!showWhy) lines.push({ text: 'w  why this matters', color: THEME.muted });
  return lines;
}

/**
 * How the body's rows are split between the list and the detail pane. The detail pane is as tall as the
 * longest detail of this evaluation needs (so the split does not jump as the cursor moves), at most half
 * the body; a tall terminal gives the rest to the list.
 */
export function checklistLayout(bodyRows: number, rowCount: number, detailNeeded: number): { list: number; detail: number } {
  // One row for the summary, one for the divider.
  const available = bodyRows - 2;
  const detail = Math.min(detailNeeded, Math.max(available - Math.max(5, Math.floor(available / 2)), 0));
  const list = Math.min(rowCount, available - detail);
  return { list, detail: available - list };
}

export function Checklist({ width, height, active }: { width: number; height: number; active: boolean }) {
  const state = useRunbook();
  const actions = useRunbookActions();
  const { evaluation, selected, showWhy, connection, signIn } = state;
  const rows = useMemo(() => (evaluation ? checklistRows(evaluation) : []), [evaluation]);
  const body = height - FRAME_ROWS;
  const blocked = connection.kind !== 'ready' || !evaluation;
  useKeyScope(blocked ? 'blocked' : 'checklist', active);

  if (blocked) {
    const lines: Line[] =
      connection.kind === 'failed'
        ? [
            { text: '✖ fail  Could not connect', bold: true, color: THEME.danger },
            ...para(connection.error.what, width),
            ...(connection.error.hint ? para(`What to do: ${connection.error.hint}`, width) : []),
          ]
        : signIn
          ? [
              { text: 'Sign in with a device code (--device-code)', bold: true, color: THEME.caution },
              ...para(signIn, width),
              { text: 'Waiting for the code to be entered; the checks start after that. q quits.', color: THEME.muted },
            ]
          : [{ text: connection.kind === 'connecting' ? 'connecting…' : 'checking…', color: THEME.caution }];
    return (
      <ScreenFrame height={height} width={width} context="blocked">
        <Lines lines={capLines(lines, body)} height={body} />
      </ScreenFrame>
    );
  }

  const index = Math.max(0, rows.findIndex((r) => r.value === selected));
  const current = rows[index];
  const detailNeeded = Math.max(0, ...rows.map((r) => detailLines(r, showWhy, width).length));
  const { list, detail } = checklistLayout(body, rows.length, detailNeeded);
  const counts = statusCounts(evaluation.findings);
  const summary = (['fail', 'unknown', 'warn', 'pass', 'info', 'skipped'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${statusLabel(s)}`)
    .join(' · ');
  const selectedFix = current?.finding?.fix;
  return (
    <ScreenFrame height={height} width={width} context="checklist">
      <Text wrap="truncate">{truncate(`${summary} · ${evaluation.gatherMs} ms`, width)}</Text>
      <SelectList
        items={rows.map((r) => ({ ...r, label: r.value }))}
        selected={current?.value}
        onChange={actions.select}
        height={list}
        context="checklist"
        isFocused={active}
        renderItem={(row, isSelected) => <RowView row={row} selected={isSelected} width={width} />}
        keys={{
          fix: () => {
            if (selectedFix) actions.previewFix(selectedFix);
            else actions.notify({ tone: 'info', text: current?.finding ? `${current.finding.checkId} has no one-key fix.` : 'Select a check to fix it.' });
          },
          fixAll: actions.fixAll,
          recheck: () => void actions.recheck(),
          addCert: () => actions.open('certificate'),
          upload: () => actions.open('upload'),
          why: actions.toggleWhy,
        }}
      />
      <Text color={THEME.muted}>{'─'.repeat(width)}</Text>
      {current && <Lines lines={detailLines(current, showWhy, width)} height={detail} />}
    </ScreenFrame>
  );
}
