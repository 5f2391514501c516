// Runs the built CLI in a real pseudo-terminal (node-pty) and reads the screen through a headless xterm,
// the way a person at a terminal would.
import { spawn, type IPty } from 'node-pty';
import xterm from '@xterm/headless';
import { fileURLToPath } from 'node:url';

const { Terminal } = xterm as unknown as { Terminal: typeof import('@xterm/headless').Terminal };
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** The child must not look like CI to Ink (is-in-ci), or it renders only the last frame. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k === 'CI' || k.startsWith('CI_') || k === 'CONTINUOUS_INTEGRATION' || k === 'GITHUB_ACTIONS') continue;
    env[k] = v;
  }
  return { ...env, TERM: 'xterm-256color', ...extra };
}

export interface Session {
  pty: IPty;
  screen(): Promise<string>;
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  press(...keys: string[]): Promise<void>;
  /** Send everything in one chunk, as a slow link or a paste delivers typed-ahead keys. */
  type(text: string): void;
  resize(cols: number, rows: number): void;
  exited: Promise<number>;
  output(): string;
  kill(signal?: string): void;
}

export const KEY = {
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  enter: '\r',
  esc: '\x1b',
  tab: '\t',
  ctrlC: '\x03',
  backspace: '\x7f',
};

export function start(args: string[], opts: { cols?: number; rows?: number; env?: Record<string, string> } = {}): Session {
  const cols = opts.cols ?? 80;
  const rows = opts.rows ?? 24;
  const term = new Terminal({ cols, rows, allowProposedApi: true });
  const pty = spawn(process.execPath, [CLI, ...args], { name: 'xterm-256color', cols, rows, env: childEnv(opts.env) });
  let raw = '';
  // Ink wraps every frame in a synchronized update (ESC[?2026h … ESC[?2026l): count the frames finished.
  let frames = 0;
  pty.onData((d) => {
    raw += d;
    frames += d.split('\x1b[?2026l').length - 1;
    term.write(d);
  });
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  const screen = async () => {
    await new Promise<void>((r) => term.write('', r));
    const buf = term.buffer.active;
    return Array.from({ length: term.rows }, (_, y) => buf.getLine(buf.viewportY + y)?.translateToString(true) ?? '').join('\n');
  };
  const waitFor = async (pattern: RegExp | string, timeoutMs = 20_000) => {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await screen();
      if (re.test(s)) {
        // The screen that drew this text subscribes to keys in an effect after its frame: let the frames settle
        // (none for 30 ms, at most 0.5 s) so a key sent next reaches it instead of the screen before.
        for (let settle = Date.now() + 500; Date.now() < settle;) {
          const seen = frames;
          await new Promise((r) => setTimeout(r, 30));
          if (frames === seen) break;
        }
        return screen();
      }
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${re} on screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  return {
    pty,
    screen,
    waitFor,
    // One key at a time, each after the app answered the previous one (its next frame was finished), so
    // keys meant for the next screen reach it. A key that changes nothing draws nothing: give up waiting
    // for that one after a second (the assertions that follow wait on screen content themselves).
    async press(...keys) {
      for (const k of keys) {
        const before = frames;
        pty.write(k);
        const deadline = Date.now() + 1000;
        while (frames === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
        await new Promise<void>((r) => term.write('', r));
      }
    },
    type(text) {
      pty.write(text);
    },
    resize(c, r) {
      pty.resize(c, r);
      term.resize(c, r);
    },
    exited,
    output: () => raw,
    kill: (signal = 'SIGTERM') => pty.kill(signal),
  };
}

/**
 * The frame is exactly the terminal: the header on row 1 and the footer (the keys of the screen) on the
 * last row of the real screen. A frame taller than the terminal scrolls the header off row 1, and a line
 * wider than it wraps onto an extra row and does the same: this fails then.
 */
export function assertFrame(screen: string, rows = 24, footer: RegExp = /(q quit|Esc back|\? help|stop waiting)/): void {
  const lines = screen.split('\n');
  if (lines.length !== rows) throw new Error(`screen has ${lines.length} rows, expected ${rows}`);
  if (!/^apimkv · /.test(lines[0]!)) throw new Error(`row 1 is not the header:\n${screen}`);
  if (!footer.test(lines[rows - 1]!)) throw new Error(`the last row is not the footer (${footer}):\n${screen}`);
}
