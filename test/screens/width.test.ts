// src/screens/width.ts answers for the screens' own characters without string-width's regular expressions:
// its answer must be string-width's, character by character and for text built from them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import stringWidth from 'string-width';
import columnsOf, { ONE_COLUMN } from '../../src/screens/width.ts';

const shortcut = (): string[] => {
  const chars: string[] = [];
  for (let cp = 0; cp <= 0xffff; cp++) {
    const ch = String.fromCharCode(cp);
    if (ONE_COLUMN.test(ch)) chars.push(ch);
  }
  return chars;
};

test('every character the shortcut covers is one column to string-width', () => {
  const chars = shortcut();
  assert.equal(chars.length, 690);
  const wrong = chars.filter((ch) => stringWidth(ch) !== 1).map((ch) => `U+${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  assert.deepEqual(wrong, []);
});

test('strings of them, styled or not, measure as string-width measures them; anything else is string-width itself', () => {
  const chars = shortcut();
  // A fixed pseudo-random sequence, so a failure names the same string every run.
  let seed = 17;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (let i = 0; i < 2000; i++) {
    const s = Array.from({ length: 1 + (next() % 40) }, () => chars[next() % chars.length]).join('');
    assert.equal(columnsOf(s), stringWidth(s), JSON.stringify(s));
  }
  for (const s of [
    '\x1b[1m✔ pass\x1b[22m · 3 ✖ fail',
    '\x1b[38;5;196m…\x1b[39m',
    '決済基盤本番環境 · sub',
    'e\u0301',
    '✔\ufe0f done',
    '👍🏽',
    'a\u00adb',
    '\x1b]8;;https://learn.microsoft.com\x07link\x1b]8;;\x07',
    '\t',
    '',
  ]) {
    assert.equal(columnsOf(s), stringWidth(s), JSON.stringify(s));
    assert.equal(columnsOf(s, { ambiguousIsNarrow: false }), stringWidth(s, { ambiguousIsNarrow: false }), JSON.stringify(s));
  }
});
