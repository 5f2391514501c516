// ink-select-input, wrapped for a full-screen app. Its own input handling is switched off (isFocused
// false): it selects on digits 1-9 instantly, takes j/k, wraps instead of scrolling, and resets its
// cursor when item values change. Here the cursor is a stable item value owned by the caller, keys come
// from the key table (digits mean nothing), and only the visible window is handed to SelectInput, so a
// list of 5,000 items costs the same per keypress as a list of 10.
import { Box, Text } from 'ink';
import SelectInput from 'ink-select-input';
import { createContext, useContext, useRef, type ReactNode } from 'react';
import type { KeyContext } from './keys.ts';
import { THEME } from './theme.ts';
import { useKeys, type KeyHandlers } from './use-keys.ts';

/** An item with a stable value (the cursor follows the value across refreshes). */
export interface ListItem {
  value: string;
  label: string;
}

interface RowRender {
  selected: string | undefined;
  render: (value: string, isSelected: boolean) => ReactNode;
}

const RowContext = createContext<RowRender>({ selected: undefined, render: () => null });

// SelectInput passes its own idea of "selected"; ours comes from the context instead.
function Indicator() {
  return null;
}

function Row(props: { label: string; isSelected?: boolean; value?: unknown }) {
  const { selected, render } = useContext(RowContext);
  const value = String(props.value);
  return <>{render(value, value === selected)}</>;
}

export interface SelectListProps<T extends ListItem> {
  items: readonly T[];
  selected: string | undefined;
  onChange: (value: string) => void;
  onSelect?: (item: T) => void;
  /** Lines available, including the "n more" hint line. */
  height: number;
  /** Draws one row (exactly one line). */
  renderItem: (item: T, isSelected: boolean) => ReactNode;
  isFocused?: boolean;
  /** The key context the list sits in (its footer and help). */
  context?: KeyContext;
  /** More keys the surrounding screen handles while the list has focus. */
  keys?: KeyHandlers;
}

/** Index of the selected value, or 0 when it vanished (filtered out, or a re-check dropped it). */
export function selectedIndex(items: readonly ListItem[], selected: string | undefined): number {
  const i = selected === undefined ? -1 : items.findIndex((it) => it.value === selected);
  return i < 0 ? 0 : i;
}

export function SelectList<T extends ListItem>({
  items,
  selected,
  onChange,
  onSelect,
  height,
  renderItem,
  isFocused = true,
  context = 'checklist',
  keys,
}: SelectListProps<T>) {
  const topRef = useRef(0);
  const index = selectedIndex(items, selected);
  const fits = items.length <= height;
  const visible = fits ? items.length : Math.max(1, height - 1);
  // Scroll only as far as needed to keep the cursor in view (no re-centring: a steady list reads better).
  let top = Math.min(topRef.current, Math.max(0, items.length - visible));
  if (index < top) top = index;
  if (index >= top + visible) top = index - visible + 1;
  topRef.current = top;
  const window = items.slice(top, top + visible);

  // Several moves can arrive in one input chunk before the next render: count from the last move.
  const cursorRef = useRef(index);
  cursorRef.current = index;
  const move = (delta: number) => {
    if (items.length === 0) return;
    const next = Math.max(0, Math.min(items.length - 1, cursorRef.current + delta));
    cursorRef.current = next;
    onChange(items[next].value);
  };
  useKeys(
    context,
    {
      ...keys,
      up: () => move(-1),
      down: () => move(1),
      pageUp: () => move(-visible),
      pageDown: () => move(visible),
      enter: () => items[cursorRef.current] && onSelect?.(items[cursorRef.current]),
    },
    isFocused,
  );

  const byValue = new Map(window.map((it) => [it.value, it]));
  const above = top;
  const below = items.length - top - window.length;
  return (
    <Box flexDirection="column" height={height} overflow="hidden">
      <RowContext.Provider
        value={{ selected: items[index]?.value, render: (value, isSelected) => renderItem(byValue.get(value)!, isSelected) }}
      >
        <SelectInput
          items={window.map((it) => ({ key: it.value, label: it.label, value: it.value }))}
          isFocused={false}
          indicatorComponent={Indicator}
          itemComponent={Row}
        />
      </RowContext.Provider>
      {!fits && (
        <Text color={THEME.muted} wrap="truncate">
          {`  ${above > 0 ? `↑ ${above} more` : ''}${above > 0 && below > 0 ? ' · ' : ''}${below > 0 ? `↓ ${below} more` : ''}`}
        </Text>
      )}
    </Box>
  );
}
