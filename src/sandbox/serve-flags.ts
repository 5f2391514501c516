// `apimkv sandbox serve`'s argument table: the server parses with it, and the CLI builds help and
// completion from it.
import type { CommandSpec } from '../cli-spec.ts';

export const SANDBOX_SERVE: CommandSpec = {
  path: 'sandbox serve',
  synopsis: 'apimkv sandbox serve [--world NAME|FILE] [--port N] [--save FILE] [--ca-out FILE] [--cloud-hosts]',
  summary: 'Run the local ARM emulator for other clients (az, curl, other SDKs) until Ctrl+C.',
  flags: [
    { name: 'world', type: 'string', arg: 'NAME|FILE', help: 'the world to serve (default: everything-broken)', complete: 'world' },
    { name: 'port', type: 'string', arg: 'N', help: 'port on 127.0.0.1 (default 0: any free port)' },
    { name: 'save', type: 'string', arg: 'FILE', help: 'on exit, save the world as it ended', complete: 'file' },
    { name: 'ca-out', type: 'string', arg: 'FILE', help: 'where to write the CA certificate clients must trust', complete: 'file' },
    { name: 'cloud-hosts', type: 'boolean', help: "its certificate also names the clouds' ARM, vault and sign-in hosts" },
  ],
};
