import { useInput } from 'ink';
import { keyFor, type KeyContext, type KeyId } from './keys.ts';

/** Handlers for the keys a screen supports; keys without a handler do nothing there. */
export type KeyHandlers = Partial<Record<KeyId, () => void>>;

/** Route keypresses through the key table (keys.ts) to this screen's handlers. */
export function useKeys(context: KeyContext, handlers: KeyHandlers, isActive = true): void {
  useInput(
    (input, key) => {
      const binding = keyFor(context, input, key);
      if (binding) handlers[binding.id]?.();
    },
    { isActive },
  );
}
