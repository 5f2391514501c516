// The ONE table of key bindings. Input handling (use-keys.ts), the footer and the `?` help overlay all
// read it, so a key cannot work without being documented, nor be documented without working.
import type { Key } from 'ink';

/** What a key does (a verb the screens handle). */
export type KeyId =
  | 'up'
  | 'down'
  | 'pageUp'
  | 'pageDown'
  | 'top'
  | 'bottom'
  | 'left'
  | 'right'
  | 'expand'
  | 'collapse'
  | 'nextFailure'
  | 'prevFailure'
  | 'copy'
  | 'open'
  | 'enter'
  | 'fix'
  | 'fixAll'
  | 'recheck'
  | 'filter'
  | 'addCert'
  | 'upload'
  | 'why'
  | 'transcript'
  | 'saveTranscript'
  | 'help'
  | 'apply'
  | 'skip'
  | 'typeId'
  | 'keepVersion'
  | 'cleanup'
  | 'sort'
  | 'back'
  | 'stop'
  | 'interrupt'
  | 'quit';

/** Where the user is: which keys work there. `text` is any focused text field (letters are typed, not keys). */
export type KeyContext =
  'audit' | 'target' | 'checklist' | 'detail' | 'preview' | 'applying' | 'result' | 'picker' | 'wizard' | 'text' | 'overlay' | 'blocked';

/** One binding: how it is written in help/footer, what it does, where it works, and how it is recognised. */
export interface KeyBinding {
  id: KeyId;
  /** As shown to the user, e.g. "↑/k". */
  label: string;
  /** What it does, in a few words (at most 32 columns: the help overlay has two columns at 80). */
  help: string;
  /** Listed under its pair (↑ with ↓, N with n) rather than on a help line of its own. */
  hidden?: boolean;
  /** The footer's shorter wording (defaults to help). */
  short?: string;
  contexts: readonly KeyContext[];
  /** Shown in the footer of these contexts (space is short at 80 columns). */
  footer?: readonly KeyContext[];
  matches(input: string, key: Key): boolean;
}

const plain = (key: Key) => !key.ctrl && !key.meta;
const letter = (ch: string) => (input: string, key: Key) => plain(key) && input === ch;

const LISTS = ['audit', 'target', 'checklist', 'detail', 'preview', 'result', 'picker', 'wizard', 'overlay'] as const;

/** Every key apimkv understands, in the order the help overlay lists them. */
export const KEYS: readonly KeyBinding[] = [
  { id: 'up', label: '↑/k', help: 'move up / scroll up', contexts: LISTS, matches: (i, k) => k.upArrow || letter('k')(i, k) },
  {
    id: 'down',
    short: 'move',
    label: '↓/j',
    help: 'move down / scroll down',
    contexts: LISTS,
    matches: (i, k) => k.downArrow || letter('j')(i, k),
  },
  { id: 'pageUp', label: 'PgUp', help: 'page up', contexts: LISTS, matches: (_i, k) => k.pageUp },
  { id: 'pageDown', label: 'PgDn', help: 'page down', contexts: LISTS, matches: (_i, k) => k.pageDown },
  {
    id: 'top',
    label: 'g',
    help: 'go to the top',
    contexts: ['checklist', 'preview', 'detail', 'overlay'],
    matches: (i, k) => letter('g')(i, k) || k.home,
  },
  {
    id: 'bottom',
    label: 'G',
    help: 'go to the bottom',
    contexts: ['checklist', 'preview', 'detail', 'overlay'],
    matches: (i, k) => letter('G')(i, k) || k.end,
  },
  { id: 'left', label: '←/→', help: 'scroll wide lines sideways', contexts: ['preview', 'detail'], matches: (_i, k) => k.leftArrow },
  {
    id: 'right',
    label: '→',
    help: 'scroll wide lines right',
    contexts: ['preview', 'detail'],
    hidden: true,
    matches: (_i, k) => k.rightArrow,
  },
  { id: 'expand', label: '→/←', help: 'open / close a step', contexts: ['checklist'], matches: (_i, k) => k.rightArrow },
  { id: 'collapse', label: '←', help: 'close the step', contexts: ['checklist'], hidden: true, matches: (_i, k) => k.leftArrow },
  {
    id: 'nextFailure',
    short: 'next fail',
    label: 'n/N',
    help: 'next / previous failure',
    contexts: ['checklist'],
    footer: ['checklist'],
    matches: letter('n'),
  },
  { id: 'prevFailure', label: 'N', help: 'previous failure', contexts: ['checklist'], hidden: true, matches: letter('N') },
  // Enter is "next" on the wizard screens before a preview: it must never be what confirms a write.
  {
    id: 'open',
    short: 'open',
    label: 'Enter',
    help: 'open the check / step',
    contexts: ['checklist'],
    footer: ['checklist'],
    matches: (_i, k) => k.return,
  },
  {
    id: 'enter',
    short: 'choose',
    label: 'Enter',
    help: 'choose / next (never writes)',
    contexts: ['audit', 'target', 'preview', 'result', 'picker', 'wizard', 'text'],
    footer: ['audit', 'target', 'picker', 'wizard', 'text'],
    matches: (_i, k) => k.return,
  },
  {
    id: 'apply',
    short: 'apply',
    label: 'y',
    help: 'apply the fix (preview top only)',
    contexts: ['preview'],
    footer: ['preview'],
    matches: letter('y'),
  },
  {
    id: 'copy',
    short: 'copy',
    label: 'C',
    help: 'copy command/id (OSC 52)',
    contexts: ['preview', 'detail'],
    footer: ['preview', 'detail'],
    matches: letter('C'),
  },
  {
    id: 'fix',
    short: 'fix',
    label: 'f',
    help: 'fix the selected check',
    // wizard: the add flow's warning that the chosen identity lacks access offers that check's fix.
    contexts: ['checklist', 'detail', 'picker', 'wizard'],
    footer: ['checklist', 'picker'],
    matches: letter('f'),
  },
  {
    id: 'fixAll',
    short: 'fix all',
    label: 'F',
    help: 'fix all failing, one by one',
    contexts: ['checklist'],
    footer: ['checklist'],
    matches: letter('F'),
  },
  {
    id: 'skip',
    short: 'skip',
    label: 's',
    help: 'skip this fix (fix all)',
    contexts: ['preview', 'result'],
    footer: ['preview'],
    matches: letter('s'),
  },
  {
    id: 'recheck',
    short: 'recheck',
    label: 'r',
    help: 're-check everything',
    contexts: ['audit', 'checklist', 'result'],
    footer: ['audit', 'checklist'],
    matches: letter('r'),
  },
  {
    id: 'filter',
    short: 'filter',
    label: '/',
    help: 'filter the list',
    contexts: ['audit', 'target', 'checklist', 'picker'],
    footer: ['audit', 'target', 'checklist', 'picker'],
    matches: letter('/'),
  },
  {
    id: 'sort',
    short: 'sort',
    label: 'o',
    help: 'sort by the next column (audit)',
    contexts: ['audit'],
    footer: ['audit'],
    matches: letter('o'),
  },
  {
    id: 'typeId',
    short: 'type id',
    label: 't',
    help: 'type an identifier instead',
    contexts: ['picker'],
    footer: ['picker'],
    matches: letter('t'),
  },
  { id: 'keepVersion', label: 'v', help: 'keep the versioned identifier', contexts: ['wizard'], matches: letter('v') },
  { id: 'addCert', short: 'add cert', label: 'a', help: 'add a Key Vault certificate', contexts: ['checklist'], matches: letter('a') },
  { id: 'upload', short: 'upload', label: 'u', help: 'upload a .pfx file', contexts: ['checklist'], matches: letter('u') },
  { id: 'cleanup', label: 'c', help: 'remove the temporary IP rule', contexts: ['result'], matches: letter('c') },
  { id: 'why', short: 'why', label: 'w', help: 'why this step matters', contexts: ['checklist'], matches: letter('w') },
  {
    id: 'transcript',
    label: 'l',
    help: 'transcript (session log)',
    contexts: ['checklist', 'detail', 'result', 'overlay'],
    matches: letter('l'),
  },
  {
    id: 'saveTranscript',
    label: 'T',
    help: 'write the transcript to a file',
    contexts: ['checklist', 'result', 'overlay'],
    matches: letter('T'),
  },
  {
    id: 'help',
    short: 'help',
    label: '?',
    help: 'keys of this screen',
    contexts: ['audit', 'checklist', 'detail', 'preview', 'applying', 'result', 'picker', 'wizard', 'overlay', 'blocked'],
    footer: ['audit', 'checklist'],
    matches: letter('?'),
  },
  // Esc only ever goes back: a lone Esc can be the first byte of a split arrow key on a slow link.
  {
    id: 'back',
    short: 'back',
    label: 'Esc',
    help: 'back (never confirms a write)',
    contexts: ['target', 'checklist', 'detail', 'preview', 'result', 'picker', 'wizard', 'text', 'overlay'],
    footer: ['target', 'detail', 'preview', 'result', 'picker', 'wizard', 'text', 'overlay'],
    matches: (_i, k) => k.escape,
  },
  {
    id: 'quit',
    short: 'quit',
    label: 'q',
    help: 'quit (asks if a write runs)',
    contexts: ['audit', 'target', 'checklist', 'detail', 'preview', 'applying', 'result', 'picker', 'wizard', 'overlay', 'blocked'],
    footer: ['audit', 'target', 'checklist', 'applying', 'blocked'],
    matches: letter('q'),
  },
  {
    id: 'stop',
    short: 'stop waiting',
    label: 'Esc',
    help: 'stop waiting (then read back)',
    contexts: ['applying'],
    footer: ['applying'],
    matches: (_i, k) => k.escape,
  },
  // Handled before the table (it works everywhere, even on a blocked screen); listed so help shows it.
  {
    id: 'interrupt',
    label: 'Ctrl-C',
    help: 'quit now (asks if a write runs)',
    contexts: ['audit', 'target', 'checklist', 'detail', 'preview', 'applying', 'result', 'picker', 'wizard', 'text', 'overlay', 'blocked'],
    matches: (i, k) => k.ctrl && i === 'c',
  },
];

/** The binding a keypress means in this context, if any. Digits never match anything. */
export function keyFor(context: KeyContext, input: string, key: Key): KeyBinding | undefined {
  return KEYS.find((b) => b.contexts.includes(context) && b.matches(input, key));
}

/** The bindings shown in the footer of a context, in table order. */
export function footerKeys(context: KeyContext): KeyBinding[] {
  return KEYS.filter((b) => b.footer?.includes(context));
}
