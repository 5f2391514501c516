// Text fitting for a fixed-size screen. The layout is computed in lines and columns up front (not left
// to Ink's wrapping) so that no frame is ever taller than the terminal or wider than it.

/** Cut a string to `width` columns, ending in "…" when it was longer. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** Pad (or cut) to exactly `width` columns. */
export function fit(text: string, width: number): string {
  const t = truncate(text, width);
  return t + ' '.repeat(Math.max(0, width - [...t].length));
}

/** Word-wrap one paragraph to `width` columns; words longer than a line are hard-broken. */
export function wrap(text: string, width: number, indent = ''): string[] {
  if (width <= indent.length + 1) return [truncate(text, width)];
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    const words = paragraph.split(/\s+/).filter(Boolean);
    if (words.length === 0) {
      out.push('');
      continue;
    }
    for (let word of words) {
      const prefix = out.length > 0 && line === '' ? indent : '';
      const room = width - [...(line || prefix)].length - (line ? 1 : 0);
      if ([...word].length <= room) {
        line = line ? `${line} ${word}` : `${prefix}${word}`;
        continue;
      }
      if (line) {
        out.push(line);
        line = '';
      }
      // A word that does not fit on an empty line (a resource id, a URL) is broken hard.
      for (;;) {
        const lead = out.length > 0 ? indent : '';
        const max = width - lead.length;
        if ([...word].length <= max) {
          line = `${lead}${word}`;
          break;
        }
        out.push(`${lead}${[...word].slice(0, max).join('')}`);
        word = [...word].slice(max).join('');
      }
    }
    if (line) out.push(line);
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
