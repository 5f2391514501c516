// Terminal columns of a string: string-width, with a shortcut for the characters the screens are drawn with.
// string-width sends every string that is not plain ASCII through Intl.Segmenter and /^\p{RGI_Emoji}$/v, and
// compiling that expression (all of Unicode's emoji sequences) takes tens of milliseconds on its first use:
// before the first frame, since every frame has a "·" or a "…". The bundle routes Ink's own measuring (and
// wrap-ansi's, slice-ansi's, cli-truncate's) here too (scripts/build.mjs), so the first frame never compiles it;
// text that needs it (CJK, emoji) still gets string-width's answer.
import stringWidth, { type Options } from 'string-width';

/**
 * Characters string-width gives one column each, none of which joins a neighbour into one grapheme: printable
 * ASCII and Latin-1 (not the soft hyphen), general punctuation up to ‧ and ‰…※ (not ‼), the arrows ←↑→↓, ⏎,
 * control pictures, box drawing and block elements, ▲ ▸, ✔ ✖ and the braille spinner. test/screens/width.test.ts
 * checks every one of them against string-width.
 */
export const ONE_COLUMN =
  /^[\x20-\x7e\u00a0-\u00ac\u00ae-\u00ff\u2010-\u2027\u2030-\u203b\u2190-\u2193\u23ce\u2400-\u2426\u2500-\u259f\u25b2\u25b8\u2714\u2716\u2800-\u28ff]*$/;
// Colours and styles (SGR), which string-width strips before measuring; any other escape goes to string-width.
const SGR = /\x1b\[[0-9;]*m/g;

/** Columns `text` takes in a terminal: the same number string-width gives, without its regular expressions when it can. */
export default function columnsOf(text: string, options?: Options): number {
  if (options === undefined && typeof text === 'string') {
    const plain = text.includes('\x1b') ? text.replace(SGR, '') : text;
    if (ONE_COLUMN.test(plain)) return plain.length;
  }
  return stringWidth(text, options);
}
