// The fleet audit as a full-screen table: one row per instance (worst finding first), the selected
// instance's findings below, a filter, a sort key, and Enter to open the runbook for that instance.
import { Box, Text, useInput, useWindowSize } from 'ink';
import { useMemo, useRef, useState } from 'react';
import type { AuditResult } from '../checks/audit/types.ts';
import { severityCounts } from '../checks/audit/report.ts';
import type { AuditSeverity } from '../checks/audit/types.ts';
import { Footer } from './Footer.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { instanceRows, runbookTarget, SORTS, visibleRows, type InstanceRow, type SortKey } from './audit-model.ts';
import type { Target } from '../checks/ports.ts';
import { SelectList } from './SelectList.tsx';
import { SignInNotice } from './SignInNotice.tsx';
import { oneLine } from '../checks/escape.ts';
import { fit, truncate, wrap } from './text.ts';
import { TextField } from './TextField.tsx';
import { TitleBar } from './TitleBar.tsx';
import { STATUS, THEME } from './theme.ts';
import { useKeyScope } from './use-key-scope.ts';
import { useSuspendKey } from './use-suspend.ts';
import { keyFor } from './keys.ts';
import { keypresses } from './use-keys.ts';

const SEVERITY_STYLE: Record<AuditSeverity | 'ok', { symbol: string; word: string; color: (typeof STATUS)['pass']['color'] }> = {
  fail: STATUS.fail,
  unknown: STATUS.unknown,
  warn: { ...STATUS.warn, word: 'risk' },
  info: STATUS.info,
  ok: STATUS.pass,
};

/** Rows besides the instance list and the detail pane: title, summary, column heads, rule, notice, footer. */
const FIXED_ROWS = 6;

/** What survives a trip to the runbook and back: the order, the filter and the selected instance. */
export interface AuditView {
  sort: SortKey;
  filter: string;
  selected?: string;
}

export const INITIAL_VIEW: AuditView = { sort: 'severity', filter: '' };

export interface AuditTableProps {
  title: string;
  sandbox: boolean;
  result?: AuditResult;
  progress?: { done: number; total: number; throttledMs?: number };
  error?: string;
  notice?: string;
  /** A device code sign-in waits for its code: "open … and enter the code …". */
  signIn?: string;
  view: AuditView;
  onView: (view: AuditView) => void;
  onOpen: (target: Target) => void;
  onReload: () => void;
  onQuit: () => void;
}

export function AuditTable({
  title,
  sandbox,
  result,
  progress,
  error,
  notice: outerNotice,
  signIn,
  view,
  onView,
  onOpen,
  onReload,
  onQuit,
}: AuditTableProps) {
  const { columns: width, rows: height } = useWindowSize();
  const { sort, filter, selected } = view;
  const [filtering, setFiltering] = useState(false);
  const [help, setHelp] = useState(false);
  const [notice, setNotice] = useState<string>();
  // Keys can arrive several to a chunk, before a re-render: read and write the latest view.
  const viewRef = useRef(view);
  viewRef.current = view;
  const update = (change: Partial<AuditView>) => {
    viewRef.current = { ...viewRef.current, ...change };
    onView(viewRef.current);
  };

  const rows = useMemo(() => (result ? instanceRows(result.facts, result.findings) : []), [result]);
  const shown = useMemo(() => visibleRows(rows, sort, filter), [rows, sort, filter]);
  const current = shown.find((r) => r.value === selected) ?? shown[0];
  const tooSmall = width < 80 || height < 24;
  useKeyScope(tooSmall ? 'blocked' : filtering ? 'text' : help ? 'overlay' : 'audit', true);

  const open = (row: InstanceRow | undefined) => {
    if (!row || !result) return;
    const target = runbookTarget(row, result.facts);
    if (!target) return setNotice(`${row.instance.name} references no key vault: there is no runbook to open for it.`);
    onOpen(target);
  };

  // Keys the list does not handle: quit, help, sort, filter, reload (and Esc leaves help or the filter).
  useSuspendKey();
  useInput((input, key) => {
    const context = tooSmall ? 'blocked' : filtering ? 'text' : help ? 'overlay' : 'audit';
    if (key.ctrl && input === 'c') return onQuit();
    if (filtering) {
      if (key.escape) {
        setFiltering(false);
        update({ filter: '' });
      }
      return;
    }
    for (const [ch, k] of keypresses(context, input, key)) {
      switch (keyFor(context, ch, k)?.id) {
        case 'quit':
          return onQuit();
        case 'help':
          setHelp((h) => !h);
          break;
        case 'back':
          setHelp(false);
          break;
        case 'sort': {
          update({ sort: SORTS[(SORTS.indexOf(viewRef.current.sort) + 1) % SORTS.length]! });
          break;
        }
        case 'filter':
          setFiltering(true);
          break;
        case 'recheck':
          setNotice(undefined);
          onReload();
          break;
      }
    }
  });

  if (tooSmall) {
    return (
      <Box flexDirection="column" width={width} height={Math.min(height, 2)} overflow="hidden">
        <Text color={THEME.caution} wrap="truncate">
          {truncate(`terminal too small (need 80x24, have ${width}x${height})`, width)}
        </Text>
        <Text color={THEME.caution} wrap="truncate">
          {truncate('enlarge the window, or press q to quit', width)}
        </Text>
      </Box>
    );
  }
  if (help) return <HelpOverlay width={width} height={height} context="audit" />;

  const body = height - FIXED_ROWS;
  const detailRows = Math.max(5, Math.floor(body * 0.4));
  const listRows = body - detailRows;
  const counts = result ? severityCounts(result.findings) : undefined;
  const summary = result
    ? `${result.facts.instances.length} instances · ${result.facts.vaults.length} vaults · ${STATUS.fail.symbol} ${counts!.fail} fail  ${STATUS.unknown.symbol} ${counts!.unknown} unknown  ${STATUS.warn.symbol} ${counts!.warn} risk · sort: ${sort}`
    : error
      ? ''
      : progress && progress.total > 0
        ? `reading the fleet: ${progress.done}/${progress.total} lists${progress.throttledMs ? ` · throttled, retrying in ${Math.ceil(progress.throttledMs / 1000)}s` : ''}`
        : 'reading the fleet: Resource Graph…';
  const cols = { status: 8, name: Math.max(16, Math.floor((width - 30) * 0.4)), rg: 14, refs: 5 };
  const rest = width - cols.status - cols.name - cols.rg - cols.refs - 4;
  const heading = `${fit('STATUS', cols.status)} ${fit('INSTANCE', cols.name)} ${fit('GROUP', cols.rg)} ${fit('REFS', cols.refs)} ${fit('FINDINGS', rest)}`;
  const noticeText = notice ?? outerNotice ?? (filter || filtering ? `filter: ${filter}` : '');

  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <TitleBar title={title} sandbox={sandbox} width={width} />
      <Text color={error ? THEME.danger : THEME.muted} wrap="truncate">
        {truncate(error ? `✖ ${error}` : summary, width)}
      </Text>
      <Text bold wrap="truncate">
        {truncate(heading, width)}
      </Text>
      <Box height={listRows} flexDirection="column" overflow="hidden">
        {signIn && !result && !error && <SignInNotice message={signIn} next="the audit starts" width={width} />}
        {result && shown.length === 0 && (
          <Text color={THEME.muted}>{filter ? `  no instance matches "${filter}"` : '  no API Management instance in scope'}</Text>
        )}
        {result && shown.length > 0 && (
          <SelectList
            items={shown}
            selected={current?.value}
            onChange={(value) => update({ selected: value })}
            onSelect={open}
            height={listRows}
            context="audit"
            isFocused={!filtering}
            renderItem={(row, isSelected) => {
              const style = SEVERITY_STYLE[row.worst ?? 'ok'];
              const first = row.findings[0];
              const what = first ? `${row.findings.length} · ${first.kind}${row.findings.length > 1 ? ' …' : ''}` : '-';
              const line = `${fit(`${style.symbol} ${style.word}`, cols.status)} ${fit(row.instance.name, cols.name)} ${fit(row.instance.resourceGroup, cols.rg)} ${fit(String(row.references), cols.refs)} ${fit(what, rest)}`;
              return (
                <Text color={style.color} inverse={isSelected} wrap="truncate">
                  {truncate(line, width)}
                </Text>
              );
            }}
          />
        )}
      </Box>
      <Text color={THEME.muted} wrap="truncate">
        {'─'.repeat(width)}
      </Text>
      <Box height={detailRows} flexDirection="column" overflow="hidden">
        {detailLines(current, width, detailRows).map((l, i) => (
          <Text key={i} color={l.color} bold={l.bold} wrap="truncate">
            {l.text || ' '}
          </Text>
        ))}
      </Box>
      <Box width={width}>
        {filtering ? (
          <>
            <Text color={THEME.accent}>filter: </Text>
            <TextField value={filter} onChange={(text) => update({ filter: text })} onSubmit={() => setFiltering(false)} focus />
          </>
        ) : (
          <Text color={THEME.accent} wrap="truncate">
            {truncate(noticeText || ' ', width)}
          </Text>
        )}
      </Box>
      <Footer context={filtering ? 'text' : 'audit'} width={width} />
    </Box>
  );
}

interface Line {
  text: string;
  color?: string;
  bold?: boolean;
}

/** The selected instance's findings: a heading, then each finding's kind, where, and its message wrapped. */
function detailLines(row: InstanceRow | undefined, width: number, height: number): Line[] {
  if (!row) return [];
  const i = row.instance;
  const lines: Line[] = [
    {
      text: truncate(
        `${i.name} · ${i.sku} · identity ${i.identityType || 'None'} · sub ${i.subscriptionId.slice(0, 8)}… · ${row.references} Key Vault reference${row.references === 1 ? '' : 's'}`,
        width,
      ),
      bold: true,
    },
  ];
  if (row.findings.length === 0)
    lines.push({ text: 'No findings: every Key Vault reference of this instance is healthy.', color: THEME.muted });
  for (const f of row.findings) {
    const style = SEVERITY_STYLE[f.severity];
    lines.push({
      text: truncate(
        `${style.symbol} ${style.word} ${f.kind}${f.reference ? ` · ${f.reference}` : ''}${f.vault ? ` · vault ${f.vault}` : ''}`,
        width,
      ),
      color: style.color,
    });
    for (const l of wrap(oneLine(f.message), width - 4)) lines.push({ text: `    ${l}` });
  }
  if (lines.length > height) {
    const more = lines.length - (height - 1);
    return [
      ...lines.slice(0, height - 1),
      { text: truncate(`  ↓ ${more} more lines · Enter opens the runbook for ${i.name}`, width), color: THEME.muted },
    ];
  }
  return lines;
}
