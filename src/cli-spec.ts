// The shape of a command's argument table, and the one parser, help writer and completion source built
// on it. Pure and free of product imports: the sandbox's own commands use it too, and it runs before the
// first frame.
import { parseArgs } from 'node:util';

export { UsageError } from './error-model.ts';
import { UsageError } from './error-model.ts';

/** What a shell may offer for a flag's value or a positional argument. */
export type Completion = 'world' | 'cloud' | 'check' | 'shell' | 'file' | 'dir';

export interface Flag {
  name: string;
  short?: string;
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** The value's placeholder in help (string flags). */
  arg?: string;
  help: string;
  /** Help section. */
  group?: string;
  complete?: Completion;
  /** Parsed (to refuse it with a reason) but never shown or completed. */
  hidden?: boolean;
}

export interface CommandSpec {
  /** Words after "apimkv": '' for the full-screen runbook, 'sandbox serve' for a sub-command. */
  path: string;
  synopsis: string;
  summary: string;
  flags: readonly Flag[];
  positionals?: { arg: string; max: number; complete?: Completion };
  /** Text after the options in --help. */
  notes?: string;
  /** Flags of other commands refused with a reason of their own (flag name -> message). */
  refusals?: Readonly<Record<string, string>>;
}

export const HELP_FLAG: Flag = { name: 'help', short: 'h', type: 'boolean', help: 'this help', group: 'Other' };

export type Values = Record<string, string | boolean | string[] | undefined>;

export function commandName(spec: CommandSpec): string {
  return spec.path ? `apimkv ${spec.path}` : 'apimkv';
}

export function flagsOf(spec: CommandSpec): Flag[] {
  return [...spec.flags, HELP_FLAG];
}

/**
 * Parse argv (the words after the command's path) against one command's table. Flags of other commands
 * are refused with where they belong (`elsewhere` maps a flag name to the commands that have it, quoted).
 */
export function parseWith(
  spec: CommandSpec,
  argv: readonly string[],
  elsewhere: (flag: string) => string | undefined = () => undefined,
): { values: Values; positionals: string[] } {
  const flags = flagsOf(spec);
  const options = Object.fromEntries(
    flags.map((f) => [f.name, { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) }]),
  );
  const name = commandName(spec);
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true }));
  } catch (e) {
    throw new UsageError(`${(e as Error).message}. Run "${name} --help" for its options.`);
  }
  const byName = new Map(flags.map((f) => [f.name, f]));
  const values: Values = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'option-terminator') continue;
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    const flag = byName.get(t.name);
    if (!flag) {
      const reason = spec.refusals?.[t.name];
      if (reason) throw new UsageError(reason);
      const home = elsewhere(t.name);
      if (home) throw new UsageError(`${t.rawName} is an option of ${home}, not of "${name}". Run "${name} --help" for its options.`);
      throw new UsageError(`Unknown option "${t.rawName}" for "${name}". Run "${name} --help" for its options.`);
    }
    if (flag.type === 'boolean') {
      // The value is not echoed: it may be a secret typed in the wrong place.
      if (t.value !== undefined) throw new UsageError(`${t.rawName} takes no value. Run "${name} --help" for its options.`);
      values[flag.name] = true;
      continue;
    }
    // parseArgs (strict: false) leaves a string option without its value undefined; "--vault --yes" would
    // otherwise take "--yes" as the vault's name.
    if (t.value === undefined || (t.inlineValue === false && t.value.startsWith('-') && t.value.length > 1 && !/^-\d/.test(t.value))) {
      throw new UsageError(`${t.rawName} needs a value${flag.arg ? ` (${flag.arg})` : ''}. Run "${name} --help" for its options.`);
    }
    if (flag.multiple) values[flag.name] = [...((values[flag.name] as string[] | undefined) ?? []), t.value];
    else if (values[flag.name] !== undefined) throw new UsageError(`--${flag.name} is given more than once.`);
    else values[flag.name] = t.value;
  }
  if (values.help) return { values, positionals };
  const max = spec.positionals?.max ?? 0;
  if (positionals.length > max) {
    const extra = positionals[max]!;
    throw new UsageError(
      max === 0
        ? `"${name}" takes no argument "${extra}". Run "${name} --help" for its usage.`
        : `Unexpected argument "${extra}". Run "${name} --help" for its usage.`,
    );
  }
  for (const f of flags) if (f.type === 'boolean' && values[f.name] === undefined) values[f.name] = false;
  return { values, positionals };
}

/** A command's --help, from its table. */
export function helpFor(spec: CommandSpec): string {
  const shown = flagsOf(spec).filter((f) => !f.hidden);
  const left = (f: Flag) => `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.arg ? ` ${f.arg}` : ''}`;
  const width = Math.min(32, Math.max(...shown.map((f) => left(f).length)) + 2);
  const column = width + 2;
  const groups = new Map<string, Flag[]>();
  for (const f of shown) groups.set(f.group ?? 'Options', [...(groups.get(f.group ?? 'Options') ?? []), f]);
  const lines = [`Usage: ${spec.synopsis}`, '', spec.summary];
  for (const [group, list] of groups) {
    lines.push('', group);
    for (const f of list) {
      const l = `  ${left(f)}`;
      const [first, ...more] = f.help.split('\n');
      lines.push(l.length + 2 > column ? `${l}\n${' '.repeat(column)}${first}` : `${l.padEnd(column)}${first}`);
      for (const m of more) lines.push(`${' '.repeat(column)}${m}`);
    }
  }
  if (spec.notes) lines.push('', spec.notes);
  return lines.join('\n');
}
