// The keys that work here, from the key table (never a hand-written list).
import { Text } from 'ink';
import { footerKeys, type KeyContext } from './keys.ts';
import { truncate } from './text.ts';
import { THEME } from './theme.ts';

export function footerText(context: KeyContext): string {
  return footerKeys(context)
    .map((k) => `${k.label} ${k.short ?? k.help}`)
    .join('  ');
}

export function Footer({ context, width, extra }: { context: KeyContext; width: number; extra?: string }) {
  const text = [extra, footerText(context)].filter(Boolean).join('  ');
  return (
    <Text color={THEME.muted} wrap="truncate">
      {truncate(text, width)}
    </Text>
  );
}
