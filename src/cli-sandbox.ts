// `apimkv sandbox …`: the emulator as a standalone server for other clients, and the shipped worlds.
import { serveSandbox } from './sandbox/serve.ts';
import { WORLD_NAMES } from './sandbox/worlds/index.ts';

export async function sandboxCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'serve') return serveSandbox(rest);
  if (sub === 'worlds') {
    process.stdout.write(`${WORLD_NAMES.join('\n')}\n`);
    return 0;
  }
  process.stderr.write(`apimkv: unknown sandbox command "${sub ?? ''}". Use "apimkv sandbox serve" or "apimkv sandbox worlds".\n`);
  return 64;
}
