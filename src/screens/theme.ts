// The 16-colour theme. Colour is decoration only: every status is also a symbol AND a word, so the
// screens read the same with NO_COLOR (FORCE_COLOR=0), on a monochrome terminal, and to a screen reader.
import type { Status } from '../checks/types.ts';

/** Ink colour names from the basic 16-colour palette (no hex, no 256-colour indexes). */
export type ThemeColor = 'green' | 'yellow' | 'red' | 'magenta' | 'cyan' | 'blue' | 'gray' | 'white';

/** How one status is drawn. */
export interface StatusStyle {
  symbol: string;
  word: string;
  color: ThemeColor;
}

export const STATUS: Record<Status, StatusStyle> = {
  pass: { symbol: '✔', word: 'pass', color: 'green' },
  warn: { symbol: '▲', word: 'warn', color: 'yellow' },
  fail: { symbol: '✖', word: 'fail', color: 'red' },
  unknown: { symbol: '?', word: 'unknown', color: 'magenta' },
  skipped: { symbol: '-', word: 'skipped', color: 'gray' },
  info: { symbol: 'i', word: 'info', color: 'cyan' },
};

/** "✔ pass", "✖ fail", … */
export function statusLabel(status: Status): string {
  return `${STATUS[status].symbol} ${STATUS[status].word}`;
}

/** The widest status label ("? unknown"), so status columns line up. */
export const STATUS_WIDTH = Math.max(...Object.values(STATUS).map((s) => s.symbol.length + 1 + s.word.length));

/** Colours with a fixed meaning across screens. */
export const THEME = {
  accent: 'cyan',
  added: 'green',
  removed: 'red',
  muted: 'gray',
  danger: 'red',
  caution: 'yellow',
  badge: 'yellow',
} as const satisfies Record<string, ThemeColor>;

/** Worst first: a step shows the worst status among its checks. */
const SEVERITY: readonly Status[] = ['fail', 'unknown', 'warn', 'pass', 'info', 'skipped'];

/** The status a step shows for its checks (worst wins; no checks = skipped). */
export function worstStatus(statuses: readonly Status[]): Status {
  for (const s of SEVERITY) if (statuses.includes(s)) return s;
  return 'skipped';
}
