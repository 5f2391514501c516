import { useInput, type Key } from 'ink';
import { keyFor, type KeyContext, type KeyId } from './keys.ts';

/** Handlers for the keys a screen supports; keys without a handler do nothing there. */
export type KeyHandlers = Partial<Record<KeyId, () => void>>;

/**
 * Keys typed ahead over a slow link arrive in one chunk ("jjj"): outside a text field each character is
 * a keypress of its own. They all go to the screen that had the keyboard when the chunk arrived, so a
 * key meant for the next screen (a "y" after "f") is dropped rather than confirming an unseen preview.
 */
export function keypresses(context: KeyContext, input: string, key: Key): Array<[string, Key]> {
  if (context === 'text' || input.length <= 1 || key.ctrl || key.meta || input.startsWith('\u001B')) return [[input, key]];
  return [...input].map((ch) => [ch, { ...key, shift: ch !== ch.toLowerCase() }]);
}

/** Route keypresses through the key table (keys.ts) to this screen's handlers. */
export function useKeys(context: KeyContext, handlers: KeyHandlers, isActive = true): void {
  useInput(
    (input, key) => {
      for (const [ch, k] of keypresses(context, input, key)) {
        const binding = keyFor(context, ch, k);
        if (binding) handlers[binding.id]?.();
      }
    },
    { isActive },
  );
}
