// A one-line text field that applies typed-ahead input exactly. Over a slow link several keys arrive in
// one chunk, which Ink splits into events delivered before React re-renders: a field that edits its
// `value` prop (ink-text-input) then applies every backspace of the chunk to the same stale text and
// drops all but one. Here the text and cursor live in a ref that each event updates, and the parent
// hears every change. Enter inside a chunk ("path\r") submits what was typed before it.
// The cursor is drawn in inverse video, and as a visible bar when colours and attributes are off
// (NO_COLOR / FORCE_COLOR=0 strip inverse too, which would leave no cursor at all).
import { Text, useInput } from 'ink';
import { useRef } from 'react';

export interface TextFieldProps {
  value: string;
  onChange: (value: string) => void;
  onSubmit: (value: string) => void;
  focus: boolean;
}

const monochrome = () => process.env.FORCE_COLOR === '0' || (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '');

/** One edit: the new text and cursor after a keypress (pure, so typed-ahead sequences can be tested). */
export function edit(
  text: string,
  cursor: number,
  input: string,
  key: { backspace?: boolean; delete?: boolean; leftArrow?: boolean; rightArrow?: boolean; home?: boolean; end?: boolean; ctrl?: boolean },
): { text: string; cursor: number } {
  const chars = [...text];
  const at = Math.max(0, Math.min(cursor, chars.length));
  // Terminals send 0x7F for the Backspace key, which Ink reports as "delete": both erase to the left.
  if (key.backspace || key.delete)
    return at === 0 ? { text, cursor: at } : { text: [...chars.slice(0, at - 1), ...chars.slice(at)].join(''), cursor: at - 1 };
  if (key.leftArrow) return { text, cursor: Math.max(0, at - 1) };
  if (key.rightArrow) return { text, cursor: Math.min(chars.length, at + 1) };
  if (key.home || (key.ctrl && input === 'a')) return { text, cursor: 0 };
  if (key.end || (key.ctrl && input === 'e')) return { text, cursor: chars.length };
  if (key.ctrl) return { text, cursor: at };
  const typed = [...input].filter((c) => c >= ' ' && c !== '\u007F');
  return { text: [...chars.slice(0, at), ...typed, ...chars.slice(at)].join(''), cursor: at + typed.length };
}

export function TextField({ value, onChange, onSubmit, focus }: TextFieldProps) {
  const state = useRef({ text: value, cursor: [...value].length });
  // The parent may set the value (a reset, a default): follow it when it is not our own last change.
  if (state.current.text !== value) state.current = { text: value, cursor: [...value].length };
  useInput(
    (input, key) => {
      if (key.escape || key.upArrow || key.downArrow || key.tab || key.meta) return;
      const at = key.return ? 0 : input.search(/[\r\n]/);
      const typed = key.return ? '' : at < 0 ? input : input.slice(0, at);
      const next = typed || !key.return ? edit(state.current.text, state.current.cursor, typed, key) : state.current;
      const changed = next.text !== state.current.text;
      state.current = next;
      if (changed) onChange(next.text);
      if (key.return || at >= 0) onSubmit(next.text);
    },
    { isActive: focus },
  );
  const chars = [...state.current.text];
  const c = Math.min(state.current.cursor, chars.length);
  if (!focus) return <Text>{state.current.text}</Text>;
  const before = chars.slice(0, c).join('');
  const under = chars[c] ?? ' ';
  const after = chars.slice(c + 1).join('');
  if (monochrome()) return <Text>{`${before}▏${chars.slice(c).join('')}`}</Text>;
  return (
    <Text>
      {before}
      <Text inverse>{under}</Text>
      {after}
    </Text>
  );
}
