// Screen 1: the runbook at a glance. All six steps in order with their status and counts; the failing
// steps open to their problems (as far as the screen allows), the cursor starts on the first failure and
// a hint line says what F will do. Enter opens a check full-screen (CheckDetail), or a step.
import { Box, Text, useStdin } from 'ink';
import { oneLine } from '../checks/escape.ts';
import { useEffect, useMemo, useRef, useState } from 'react';
import { CheckDetail } from './CheckDetail.tsx';
import {
  checklistRows,
  fixAllHint,
  isOpen,
  nextFailure,
  statusCounts,
  stepCounts,
  visibleRows,
  type ChecklistRow,
  type StepView,
} from './checklist-model.ts';
import { Activity } from './Activity.tsx';
import { capLines, Lines, para, type Line } from './Lines.tsx';
import { ScreenFrame, FRAME_ROWS } from './ScreenFrame.tsx';
import { SelectList } from './SelectList.tsx';
import { columns, fit, truncate } from './text.ts';
import { TextField } from './TextField.tsx';
import { STATUS, STATUS_WIDTH, statusLabel, THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';
import { useKeys } from './use-keys.ts';
import { useRunbook } from './use-runbook.ts';
import { useRunbookActions } from './use-runbook-actions.ts';

const ID_WIDTH = 20;
const SYMBOLS = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [k, v.symbol])) as Record<keyof typeof STATUS, string>;

function RowView({
  row,
  selected,
  width,
  counts,
  open,
}: {
  row: ChecklistRow;
  selected: boolean;
  width: number;
  counts: string;
  open: boolean;
}) {
  const style = STATUS[row.status];
  const textWidth = width - STATUS_WIDTH - 1;
  const mark = selected ? '›' : ' ';
  const text =
    row.kind === 'step'
      ? `${mark} ${row.stepNumber}. ${row.step.title}${open || !counts ? '' : ' ▸'}`
      : `${mark}    ${fit(row.finding!.checkId, ID_WIDTH)} ${row.finding!.title}`;
  const right = row.kind === 'step' && counts ? ` ${counts}` : '';
  return (
    <Box width={width}>
      <Text bold={row.kind === 'step' || selected} color={selected ? THEME.accent : undefined} wrap="truncate">
        {fit(text, textWidth - columns(right))}
      </Text>
      <Text color={THEME.muted}>{right}</Text>
      <Text> </Text>
      <Text color={style.color} bold={row.kind === 'step'}>
        {fit(statusLabel(row.status), STATUS_WIDTH)}
      </Text>
    </Box>
  );
}

/** The short detail under the list (pure): what the row is, its cause, and how to see the rest. */
export function detailLines(row: ChecklistRow, showWhy: boolean, width: number): Line[] {
  const lines: Line[] = [];
  if (row.kind === 'step') {
    lines.push({
      text: truncate(`${row.stepNumber}. ${row.step.title} — ${statusLabel(row.status)}`, width),
      bold: true,
      color: STATUS[row.status].color,
    });
    lines.push(...para(row.step.why, width));
    lines.push({ text: truncate(`Docs: ${row.step.docLink}`, width), color: THEME.muted });
    return lines;
  }
  const f = row.finding!;
  if (showWhy) lines.push({ text: `Why this matters (step ${row.stepNumber}):`, bold: true }, ...para(row.step.why, width, {}, '  '));
  lines.push({ text: truncate(`${statusLabel(f.status)}  ${f.checkId} — ${f.title}`, width), bold: true, color: STATUS[f.status].color });
  lines.push(...para(oneLine(f.cause), width));
  if (f.missingAction) lines.push({ text: truncate(`Missing permission: ${f.missingAction}`, width), color: THEME.caution });
  if (f.fix)
    lines.push({
      text: truncate(`f  fix: ${f.fix.title}${f.fix.temporary ? ' (temporary; offered for removal later)' : ''}`, width),
      color: THEME.accent,
    });
  lines.push({
    text: truncate(
      `Enter  full details${f.evidence.length ? `: evidence (${f.evidence.length})` : ''}${f.docLink ? ', docs' : ''}${showWhy ? '' : ' · w why'}`,
      width,
    ),
    color: THEME.muted,
  });
  return lines;
}

/**
 * How the body's rows are split: a summary and a hint line, the list, a divider and a short detail pane.
 * The detail pane is as tall as this evaluation's longest short detail needs (so it does not jump as the
 * cursor moves), at most a quarter of the body and at least 3 rows: the full detail is one Enter away.
 */
export function checklistLayout(bodyRows: number, rowCount: number, detailNeeded: number): { list: number; detail: number } {
  const available = bodyRows - 3;
  const detail = Math.min(detailNeeded, Math.max(3, Math.floor(available / 4)));
  const list = Math.max(0, Math.min(rowCount, available - detail));
  return { list, detail: available - list };
}

/**
 * Keys typed while the first check runs are kept and replayed once the list is there (the operator saw
 * nothing to act on yet, but typed ahead: "n f" to go to the first failure and preview its fix). Quit,
 * help and Ctrl-C are handled at once by the App and never replayed.
 */
function useTypeAhead(blocked: boolean) {
  const { internal_eventEmitter: events } = useStdin() as unknown as { internal_eventEmitter?: NodeJS.EventEmitter };
  const queue = useRef<string[]>([]);
  useEffect(() => {
    if (!blocked || !events) return;
    const keep = (data: string) => {
      if (data === 'q' || data === '?' || data === '\u0003') return;
      queue.current.push(data);
    };
    events.on('input', keep);
    return () => void events.off('input', keep);
  }, [blocked, events]);
  useEffect(() => {
    if (blocked || !events || queue.current.length === 0) return;
    const keys = queue.current.splice(0);
    // After the list's own input handlers have subscribed (their effects run in this commit).
    const t = setTimeout(() => {
      for (const k of keys) events.emit('input', k);
    }, 0);
    return () => clearTimeout(t);
  }, [blocked, events]);
}

export function Checklist({ width, height, active }: { width: number; height: number; active: boolean }) {
  const state = useRunbook();
  const actions = useRunbookActions();
  const { evaluation, selected, showWhy, connection, signIn, activity } = state;
  const allRows = useMemo(() => (evaluation ? checklistRows(evaluation) : []), [evaluation]);
  const [views, setViews] = useState<Record<string, StepView>>({});
  const [filter, setFilter] = useState('');
  const [filtering, setFiltering] = useState(false);
  const [detail, setDetail] = useState<string | undefined>(undefined);
  const body = height - FRAME_ROWS;
  const blocked = connection.kind !== 'ready' || !evaluation;
  const detailRow = detail ? allRows.find((r) => r.value === detail) : undefined;
  useKeyScope(blocked ? 'blocked' : filtering ? 'text' : detailRow ? 'detail' : 'checklist', active);
  useTypeAhead(blocked);

  const detailNeeded = Math.max(0, ...allRows.map((r) => detailLines(r, showWhy, width).length));
  const { list } = checklistLayout(body, Infinity, detailNeeded);
  const autoRows = visibleRows(allRows, views, list, filter);
  // A check the cursor reached (n/N, a re-check) whose step is closed: open that step to show it.
  const chosen = allRows.find((r) => r.value === selected);
  const rows =
    chosen && !autoRows.includes(chosen) && !filter
      ? visibleRows(allRows, { ...views, [chosen.step.id]: chosen.status === 'pass' ? 'all' : 'problems' }, list)
      : autoRows;
  const layout = checklistLayout(body, rows.length, detailNeeded);

  const index = Math.max(
    0,
    rows.findIndex((r) => r.value === selected),
  );
  const current = rows[index];
  const setView = (stepId: string, view: StepView) => setViews((v) => ({ ...v, [stepId]: view }));
  // Several keys can arrive in one chunk before the next render ("nn"): count from the last jump.
  const cursor = useRef<string | undefined>(undefined);
  cursor.current = current?.value;
  const selectNow = (value: string) => {
    cursor.current = value;
    actions.select(value);
  };
  const jump = (direction: 1 | -1) => {
    const next = nextFailure(allRows, cursor.current, direction);
    if (next) selectNow(next.value);
    else actions.notify({ tone: 'info', text: 'No failing check to jump to.' });
  };
  useKeys(
    'text',
    {
      back: () => {
        setFilter('');
        setFiltering(false);
      },
    },
    active && filtering,
  );

  if (blocked) {
    const lines: Line[] =
      connection.kind === 'failed'
        ? [
            { text: '✖ fail  Could not connect', bold: true, color: THEME.danger },
            ...para(oneLine(connection.error.what), width),
            ...(connection.error.hint ? para(`What to do: ${connection.error.hint}`, width) : []),
          ]
        : signIn
          ? [
              { text: 'Sign in with a device code (--device-code)', bold: true, color: THEME.caution },
              ...para(signIn, width),
              { text: 'Waiting for the code to be entered; the checks start after that. q quits.', color: THEME.muted },
            ]
          : [];
    return (
      <ScreenFrame height={height} width={width} context="blocked">
        {lines.length === 0 && (
          <Activity
            label={connection.kind === 'connecting' ? 'connecting' : 'checking'}
            since={activity?.since}
            read={actions.activity}
            width={width}
          />
        )}
        {lines.length === 0 && (
          <Text color={THEME.muted}>{truncate('Keys typed now are applied when the checklist is there.', width)}</Text>
        )}
        {lines.length > 0 && <Lines lines={capLines(lines, body)} height={body} />}
      </ScreenFrame>
    );
  }

  if (detailRow) return <CheckDetail row={detailRow} width={width} height={height} active={active} onBack={() => setDetail(undefined)} />;

  const counts = statusCounts(evaluation.findings);
  const summary = (['fail', 'unknown', 'warn', 'pass', 'info', 'skipped'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${statusLabel(s)}`)
    .join(' · ');
  const selectedFix = current?.finding?.fix;
  const matches = rows.filter((r) => r.kind === 'check').length;
  return (
    <ScreenFrame height={height} width={width} context={filtering ? 'text' : 'checklist'}>
      <Text wrap="truncate">{truncate(`${summary} · ${evaluation.gatherMs} ms`, width)}</Text>
      {filtering || filter ? (
        <Box width={width}>
          <Text color={THEME.accent}>/</Text>
          <Box width={Math.max(1, Math.min(30, width - 40))}>
            <TextField value={filter} onChange={setFilter} onSubmit={() => setFiltering(false)} focus={active && filtering} />
          </Box>
          <Text color={THEME.muted} wrap="truncate">
            {truncate(
              `  ${matches} matching check${matches === 1 ? '' : 's'} · ${filtering ? 'Enter keeps · ' : '/ edits · '}Esc clears`,
              Math.max(0, width - 32),
            )}
          </Text>
        </Box>
      ) : (
        <Text color={THEME.accent} wrap="truncate">
          {truncate(fixAllHint(evaluation), width)}
        </Text>
      )}
      <SelectList
        items={rows.map((r) => ({ ...r, label: r.value }))}
        selected={current?.value}
        onChange={actions.select}
        height={layout.list}
        context="checklist"
        isFocused={active && !filtering}
        renderItem={(row, isSelected) => (
          <RowView
            row={row}
            selected={isSelected}
            width={width}
            counts={row.kind === 'step' ? stepCounts(allRows, row.step.id, SYMBOLS) : ''}
            open={isOpen(rows, row.step.id)}
          />
        )}
        keys={{
          // Enter on the checklist opens: a check full-screen, a step's checks (or closes them).
          open: () => {
            const row = rows.find((r) => r.value === cursor.current);
            if (!row) return;
            if (row.kind === 'check') setDetail(row.value);
            else setView(row.step.id, isOpen(rows, row.step.id) ? 'closed' : 'all');
          },
          expand: () => current?.kind === 'step' && setView(current.step.id, 'all'),
          collapse: () => {
            if (!current) return;
            if (current.kind === 'check') actions.select(`step:${current.step.id}`);
            setView(current.step.id, 'closed');
          },
          top: () => rows[0] && selectNow(rows[0].value),
          bottom: () => rows.at(-1) && selectNow(rows.at(-1)!.value),
          nextFailure: () => jump(1),
          prevFailure: () => jump(-1),
          filter: () => setFiltering(true),
          back: () => filter && setFilter(''),
          fix: () => {
            if (selectedFix) actions.previewFix(selectedFix);
            else
              actions.notify({
                tone: 'info',
                text: current?.finding ? `${current.finding.checkId} has no one-key fix.` : 'Select a check to fix it.',
              });
          },
          fixAll: actions.fixAll,
          recheck: () => void actions.recheck(),
          addCert: () => actions.open('certificate'),
          upload: () => actions.open('upload'),
          why: actions.toggleWhy,
        }}
      />
      <Text color={THEME.muted}>{'─'.repeat(width)}</Text>
      {current && <Lines lines={detailLines(current, showWhy, width)} height={layout.detail} />}
    </ScreenFrame>
  );
}
