// Text fitting for a fixed-size screen. The layout is computed in lines and columns up front (not left
// to Ink's wrapping) so that no frame is ever taller than the terminal or wider than it. Everything shown
// passes through here, so this is where remote text's active characters become visible (escape.ts).
import { terminalText, visible } from '../checks/escape.ts';

/** Cut a string to `width` columns, ending in "…" when it was longer (one line, nothing active). */
export function truncate(raw: string, width: number): string {
  if (width <= 0) return '';
  const text = terminalText(raw);
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** Pad (or cut) to exactly `width` columns. */
export function fit(text: string, width: number): string {
  const t = truncate(text, width);
  return t + ' '.repeat(Math.max(0, width - [...t].length));
}

const len = (s: string) => [...s].length;
const slice = (s: string, from: number, to?: number) => [...s].slice(from, to).join('');

/**
 * Word-wrap text to `width` columns. Each paragraph keeps its leading spaces; continuation lines start
 * with `indent`. Words longer than the room left (resource ids, URLs) are broken hard, filling the line.
 */
export function wrap(text: string, width: number, indent = ''): string[] {
  if (width <= 0) return [''];
  const cont = len(indent) < width / 2 ? indent : '';
  const out: string[] = [];
  for (const paragraph of visible(text).split('\n')) {
    const leadRaw = /^\s*/.exec(paragraph)![0];
    const lead = len(leadRaw) < width / 2 ? leadRaw : '';
    const words = paragraph.slice(leadRaw.length).split(/\s+/).filter(Boolean);
    if (words.length === 0) {
      out.push('');
      continue;
    }
    let line = lead;
    let fresh = true;
    const push = () => {
      out.push(line);
      line = cont;
      fresh = true;
    };
    for (const word of words) {
      const sep = fresh ? '' : ' ';
      if (len(line) + len(sep) + len(word) <= width) {
        line += sep + word;
        fresh = false;
        continue;
      }
      if (!fresh && len(word) <= width - len(cont)) {
        push();
        line += word;
        fresh = false;
        continue;
      }
      let rest = word;
      let s = sep;
      while (len(line) + len(s) + len(rest) > width) {
        const room = width - len(line) - len(s);
        if (room <= 0) {
          push();
          s = '';
          continue;
        }
        line += s + slice(rest, 0, room);
        rest = slice(rest, room);
        push();
        s = '';
      }
      line += s + rest;
      fresh = false;
    }
    out.push(line);
  }
  return out;
}

/** Shorten a GUID-like subscription id for the header: "0000000a-…-0001". */
export function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(id) ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}

/** Whole days from `now` until `iso` (negative when past), or undefined when either is unparsable. */
export function daysUntil(iso: string | undefined, now: string | Date): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  const n = typeof now === 'string' ? Date.parse(now) : now.getTime();
  if (Number.isNaN(t) || Number.isNaN(n)) return undefined;
  return Math.floor((t - n) / 86_400_000);
}
