// `apimkv sandbox …`: the emulator as a standalone server for other clients, the shipped worlds, and
// generated fleet worlds for the audit.
import { writeFileSync } from 'node:fs';
import { generateFleet } from './sandbox/generate.ts';
import { serveSandbox } from './sandbox/serve.ts';
import { WORLD_NAMES } from './sandbox/worlds/index.ts';

const EXIT_USAGE = 2;

function usage(message: string): number {
  process.stderr.write(`apimkv: ${message}\n`);
  return EXIT_USAGE;
}

/** `sandbox generate --instances N --vaults N --subscriptions N [--seed N] [--out FILE]` */
function generateCommand(argv: string[]): number {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!['--instances', '--vaults', '--subscriptions', '--seed', '--out'].includes(flag)) return usage(`unknown option "${flag}" for "sandbox generate" (use --instances, --vaults, --subscriptions, --seed, --out).`);
    const value = argv[++i];
    if (value === undefined) return usage(`${flag} needs a value.`);
    values[flag.slice(2)] = value;
  }
  const count = (name: string, fallback: number, max: number): number | undefined => {
    const text = values[name];
    if (text === undefined) return fallback;
    const n = Number(text);
    return Number.isInteger(n) && n >= 1 && n <= max ? n : undefined;
  };
  const instances = count('instances', 100, 20_000);
  const vaults = count('vaults', Math.ceil((instances ?? 100) * 1.5), 30_000);
  const subscriptions = count('subscriptions', 5, 500);
  const seed = count('seed', 1, 2 ** 31);
  if (instances === undefined) return usage('--instances must be a whole number from 1 to 20000.');
  if (vaults === undefined) return usage('--vaults must be a whole number from 1 to 30000.');
  if (subscriptions === undefined) return usage('--subscriptions must be a whole number from 1 to 500.');
  if (seed === undefined) return usage('--seed must be a positive whole number.');
  const world = generateFleet({ instances, vaults, subscriptions, seed });
  const text = `${JSON.stringify(world)}\n`;
  if (values.out) {
    writeFileSync(values.out, text);
    process.stderr.write(`apimkv: wrote a fleet of ${instances} instances, ${vaults} vaults in ${subscriptions} subscriptions (seed ${seed}) to ${values.out}\n`);
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
