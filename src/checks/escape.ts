// Remote text (names, tags, subjects, messages from Azure) is untrusted. It enters Facts through one
// sanitiser (wellFormed, in src/azure) and leaves through one escaper per medium: a terminal or plain text,
// Markdown, CSV and the shell script of `fix --plan`. JSON output is the exception: JSON.stringify already
// escapes every C0 control, and a pipeline must see the exact value Azure returned.

/** Line breaks a terminal or a Markdown renderer would honour (CR, LF, VT, FF, NEL, LS, PS). */
const LINE_BREAK = /\s*(?:\r\n|[\n\r\v\f\u0085\u2028\u2029])\s*/g;

/**
 * Characters that act instead of showing: C0 controls (ESC starts CSI/OSC sequences, BEL rings), DEL, C1
 * controls (U+009B is a one-byte CSI), bidi embeddings, overrides and isolates (they reorder what is shown,
 * CVE-2021-42574 "Trojan Source"), and zero-width characters (they hide text inside a name).
 */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** How an active character is shown: control pictures for C0 (␛ for ESC), <U+XXXX> for the rest. */
function picture(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return '␡';
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** Active characters made visible (`ESC ] 0 ;` becomes `␛]0;`); line breaks and tabs are left alone. */
export function visible(text: string): string {
  return text.replace(ACTIVE, picture);
}

/** The visible mark a folded line break leaves. */
export const LINE_MARK = ' ⏎ ';

/** Several lines as one, each break shown as ⏎, so a message can never forge lines of its own. */
export function oneLine(text: string): string {
  return text.replace(LINE_BREAK, LINE_MARK).replace(/\t/g, ' ');
}

/** Remote text for a terminal, a log or a plain report: one line, nothing active. */
export function terminalText(text: string): string {
  return visible(oneLine(text));
}

/**
 * Remote text for a Markdown line: one line, nothing active, and every character that could open emphasis,
 * code, a link, an image, raw HTML, an entity or a table cell backslash-escaped (CommonMark 2.4: any ASCII
 * punctuation may be escaped); at the start of the text also what would open a heading, list, quote or fence.
 */
export function markdownText(text: string): string {
  return terminalText(text)
    .replace(/[\\`*_[\]<>|~!&]/g, '\\$&')
    .replace(/^(\s*)([#>+=-]|\d+(?=[.)]))/, '$1\\$2');
}

/**
 * A fenced block for text that may itself contain backticks: the fence is longer than any run of backticks
 * inside (CommonMark 4.5), so the content can never close it. Active characters are made visible.
 */
export function markdownFence(info: string, content: string): string[] {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${info}`, visible(content), fence];
}

/** One CSV cell: one line, nothing active, a formula lead neutralised, RFC 4180 quoting. */
export function csvCell(value: string): string {
  const line = terminalText(value);
  const safe = /^[=+\-@]/.test(line) ? `'${line}` : line;
  return /[",]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * One argument for a POSIX shell, exact and inert: bare when it has only safe characters, otherwise
 * single-quoted; an active character or line break is spliced in as an ANSI-C quoted escape ($'\x1b'), so
 * the script shows nothing raw and still passes the exact value. Never double quotes: no expansion at all.
 */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_\-./:=@,+%]+$/.test(arg)) return arg;
  let out = '';
  let plain = '';
  const flush = () => {
    if (plain) out += `'${plain.replace(/'/g, `'\\''`)}'`;
    plain = '';
  };
  for (const ch of arg) {
    if (/[\n\r\t]/.test(ch) || (ch.match(ACTIVE) ?? ch.match(/[\u0085\u2028\u2029]/))) {
      flush();
      out += `$'${[...new TextEncoder().encode(ch)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'`;
    } else plain += ch;
  }
  flush();
  return out || `''`;
}

/** Lone surrogates (invalid UTF-16, unencodable as UTF-8) become U+FFFD; everything else is kept. */
export function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
