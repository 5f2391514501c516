// `apimkv sandbox …`: the emulator as a standalone server for other clients, the shipped worlds, and
// generated fleet worlds for the audit.
import { writeFileSync } from 'node:fs';
import { commandSpec, sandboxGenerateOptions } from './cli-args.ts';
import { parseWith, UsageError } from './cli-spec.ts';
import { generateFleet } from './sandbox/generate.ts';
import { serveSandbox } from './sandbox/serve.ts';
import { WORLD_NAMES } from './sandbox/worlds/index.ts';

const EXIT_USAGE = 2;

function usage(message: string): number {
  process.stderr.write(`apimkv: ${message}\n`);
  return EXIT_USAGE;
}

function generateCommand(argv: string[]): number {
  let o;
  try {
    o = sandboxGenerateOptions(parseWith(commandSpec('sandbox generate'), argv).values);
  } catch (e) {
    if (e instanceof UsageError) return usage(e.message);
    throw e;
  }
  const world = generateFleet(o);
  const text = `${JSON.stringify(world)}\n`;
  if (o.out) {
    writeFileSync(o.out, text);
    process.stderr.write(
      `apimkv: wrote a fleet of ${o.instances} instances, ${o.vaults} vaults in ${o.subscriptions} subscriptions (seed ${o.seed}) to ${o.out}\n`,
    );
  } else process.stdout.write(text);
  return 0;
}

export async function sandboxCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'serve') return serveSandbox(rest);
  if (sub === 'generate') return generateCommand(rest);
  if (sub === 'worlds') {
    process.stdout.write(`${[...WORLD_NAMES, 'fleet', 'fleet-<instances>'].join('\n')}\n`);
    return 0;
  }
  return usage(`unknown sandbox command "${sub ?? ''}". Use "apimkv sandbox serve", "apimkv sandbox generate" or "apimkv sandbox worlds".`);
}
