// "Open <URL> and enter the code <CODE>" while a device code sign-in waits, in a list's place.
import { Text } from 'ink';
import { truncate } from './text.ts';
import { THEME } from './theme.ts';

/** `next` says what appears once the code is entered, e.g. "the choices appear". */
export function SignInNotice({ message, next, width }: { message: string; next: string; width: number }) {
  return (
    <>
      <Text bold color={THEME.caution}>
        Sign in with a device code (--device-code)
      </Text>
      <Text wrap="wrap">{message}</Text>
      <Text color={THEME.muted} wrap="truncate">
        {truncate(`Waiting for the code to be entered; ${next} after that. q quits.`, width)}
      </Text>
    </>
  );
}
