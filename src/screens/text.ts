// Text fitting for a fixed-size screen. The layout is computed in lines and columns up front (not left
// to Ink's wrapping) so that no frame is ever taller than the terminal or wider than it. Widths are terminal
// columns (string-width), not code points: a CJK subscription name takes two columns per character.
// Everything shown passes through here, so this is where remote text's active characters become visible
// (escape.ts).
import stringWidth from './width.ts';
import { terminalText, visible } from '../checks/escape.ts';

const segmenter = new Intl.Segmenter();
/** Grapheme clusters: a flag, an accented letter or a CJK character is one unit that is never split. */
const graphemes = (s: string): string[] => Array.from(segmenter.segment(s), (g) => g.segment);

/** Terminal columns a string takes (CJK and emoji take two, combining marks none). */
export const columns = (s: string): number => stringWidth(s);

/** The longest prefix of `s` that fits in `width` columns. */
export function sliceColumns(s: string, width: number, from = 0): string {
  let out = '';
  let at = 0;
  for (const g of graphemes(s)) {
    const w = stringWidth(g);
    if (at < from) {
      at += w;
      continue;
    }
    if (at + w - from > width) break;
    out += g;
    at += w;
  }
  return out;
}

/** Cut a string to `width` columns, ending in "…" when it was longer (one line, nothing active). */
export function truncate(raw: string, width: number): string {
  if (width <= 0) return '';
  const text = terminalText(raw);
  if (stringWidth(text) <= width) return text;
  return `${sliceColumns(text, width - 1)}…`;
}

/** Pad (or cut) to exactly `width` columns. */
export function fit(text: string, width: number): string {
  const t = truncate(text, width);
  return t + ' '.repeat(Math.max(0, width - stringWidth(t)));
}

const len = columns;

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
        const head = room > 0 ? sliceColumns(rest, room) : '';
        if (!head) {
          if (fresh && !s) {
            // Not even one character fits after the indent: take one anyway rather than loop.
            const [g] = graphemes(rest);
            line += g;
            rest = rest.slice(g!.length);
          }
          push();
          s = '';
          continue;
        }
        line += s + head;
        rest = rest.slice(head.length);
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

/**
 * A shell command (or a JSON line) laid out so that copying it still works: broken only at spaces, each
 * broken line ending in " \\" (the shell's continuation). A token wider than the line is kept whole on a
 * line of its own, wider than the screen: the views show such lines through a horizontal window (←/→)
 * and the copy key sends the whole text.
 */
export function wrapCommand(raw: string, width: number, continuation = ' \\'): string[] {
  const text = terminalText(raw);
  const lead = /^\s*/.exec(text)![0];
  const tokens = text.slice(lead.length).split(' ');
  const out: string[] = [];
  let line = lead;
  tokens.forEach((token, i) => {
    const sep = line.trim() ? ' ' : '';
    // Only a line with more after it needs room for the continuation.
    const room = i === tokens.length - 1 ? width : width - len(continuation);
    if (!line.trim() || len(line) + len(sep) + len(token) <= room) {
      line += sep + token;
      return;
    }
    out.push(line + continuation);
    line = `${lead}    ${token}`;
  });
  out.push(line);
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
