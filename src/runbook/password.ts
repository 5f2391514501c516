// Where a .pfx password may come from: a named environment variable, a file, or a masked prompt on the
// terminal. Never argv (visible in ps and shell history). The text is wrapped in a Secret at once.
import { readFile } from 'node:fs/promises';
import { InputError } from '../error-model.ts';
import { Secret } from '../checks/secret.ts';

/** The .pfx password cannot be had from where the operator said (a variable, a file, the prompt). */
export class PasswordError extends InputError {
  override readonly name = 'PasswordError';
}

export interface PasswordSource {
  passwordEnv?: string;
  passwordFile?: string;
}

export async function readPassword(source: PasswordSource, prompt: (label: string) => Promise<string> = maskedPrompt): Promise<Secret> {
  if (source.passwordEnv) {
    const value = process.env[source.passwordEnv];
    if (value === undefined) throw new PasswordError(`The environment variable ${source.passwordEnv} (from --password-env) is not set.`);
    // Children (az, a pager) need not inherit it.
    delete process.env[source.passwordEnv];
    return new Secret(value, 'pfx password');
  }
  if (source.passwordFile) {
    let text: string;
    try {
      text = await readFile(source.passwordFile, 'utf8');
    } catch (e) {
      throw new PasswordError(`Cannot read the password file ${source.passwordFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}.`);
    }
    // One trailing newline is the editor's, not the password's.
    return new Secret(text.replace(/\r?\n$/, ''), 'pfx password');
  }
  if (!process.stdin.isTTY)
    throw new PasswordError('No terminal to ask for the .pfx password: pass --password-env VAR or --password-file FILE.');
  return new Secret(await prompt('Password for the .pfx (not shown): '), 'pfx password');
}

/** Read a line from the terminal without echoing it. Ctrl-C cancels. */
export function maskedPrompt(label: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(label);
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new PasswordError('Cancelled.'));
        if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
        else if (ch >= ' ') typed += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
