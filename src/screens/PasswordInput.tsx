// A password field that never echoes: the typed characters live in a ref (not React state, not the
// reducer, not a rendered string) and leave only as a Secret on Enter. The screen shows a fixed mask.
import { Text, useInput } from 'ink';
import { useRef, useState } from 'react';
import { Secret } from '../checks/secret.ts';
import { THEME } from './theme.ts';

export function PasswordInput({
  onSubmit,
  focus,
  label = 'pfx password',
}: {
  onSubmit: (password: Secret) => void;
  focus: boolean;
  label?: string;
}) {
  const value = useRef('');
  // Only whether something was typed is state; its length is not shown either.
  const [typed, setTyped] = useState(false);
  useInput(
    (input, key) => {
      if (key.return) {
        const secret = new Secret(value.current, label);
        value.current = '';
        setTyped(false);
        onSubmit(secret);
        return;
      }
      if (key.escape || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.tab || key.ctrl || key.meta) return;
      if (key.backspace || key.delete) {
        value.current = value.current.slice(0, -1);
      } else {
        // A paste or a fast typist's "secret\r" arrives as one chunk: printable characters, then Enter.
        const [text, ...rest] = input.split(/[\r\n]/);
        value.current += [...text!].filter((c) => c >= ' ' && c !== '\u007f').join('');
        if (rest.length) {
          const secret = new Secret(value.current, label);
          value.current = '';
          setTyped(false);
          onSubmit(secret);
          return;
        }
      }
      setTyped(value.current.length > 0);
    },
    { isActive: focus },
  );
  return <Text color={typed ? undefined : THEME.muted}>{typed ? '•••••••• (hidden)' : '(type the password; Enter for none)'}</Text>;
}
