// Renders the app into a fake terminal of a given size (ink-testing-library's streams have a fixed
// width of 100 and no height, so this is the same idea with both configurable and resizable). Every
// frame is kept so tests can assert that none was taller or wider than the terminal.
import { render } from 'ink';
import type { ReactElement } from 'react';
import { EventEmitter } from 'node:events';
import { stripVTControlCharacters } from 'node:util';
import type { RunbookEngine, RunContext } from '../../src/runbook/engine-types.ts';
import { App } from '../../src/screens/App.tsx';
import { keysReceived, keysSettled, useKeyGate } from '../../src/screens/key-gate.ts';
import { runContext } from './fixtures.ts';

export class FakeStdout extends EventEmitter {
  frames: string[] = [];
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  // Like a real stream, call the write callback (Ink waits on it to know a frame was flushed).
  write = (chunk: string, encodingOrCallback?: unknown, callback?: unknown) => {
    this.frames.push(chunk);
    this.emit('frame');
    const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
    if (typeof cb === 'function') queueMicrotask(() => (cb as () => void)());
    return true;
  };
  resize(columns: number, rows: number) {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true;
  data: string | null = null;
  write = (data: string) => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read = () => {
    const { data } = this;
    this.data = null;
    return data;
  };
}

export const KEY = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  esc: '\u001B',
  ctrlC: '\u0003',
  backspace: '\u007F',
  pageDown: '\u001B[6~',
} as const;

/** A pause for what no key drives (timers, a slow engine); keys themselves are waited for with keysSettled. */
export const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

export interface Rendered {
  stdout: FakeStdout;
  stdin: FakeStdin;
  exits: number[];
  /** The last frame, ANSI stripped. */
  frame(): string;
  /** Every frame so far, ANSI stripped. */
  frames(): string[];
  press(...keys: string[]): Promise<void>;
  /** Wait until the last frame contains the text (polls; fails after ~2 s). */
  waitFor(text: string | RegExp): Promise<string>;
  unmount(): void;
}

export function renderApp(
  engine: RunbookEngine | (() => Promise<RunbookEngine>),
  options: { columns?: number; rows?: number; context?: RunContext } = {},
): Rendered {
  const exits: number[] = [];
  const loadEngine = typeof engine === 'function' ? engine : async () => engine;
  return {
    ...renderElement(<App context={options.context ?? runContext()} loadEngine={loadEngine} onExit={(c) => exits.push(c)} />, options),
    exits,
  };
}

function WithKeyGate({ children }: { children: ReactElement }) {
  useKeyGate();
  return children;
}

/** Any element in the fake terminal (a screen on its own, without the App around it). */
export function renderElement(element: ReactElement, options: { columns?: number; rows?: number } = {}): Omit<Rendered, 'exits'> {
  const stdout = new FakeStdout(options.columns ?? 80, options.rows ?? 24);
  const stdin = new FakeStdin();
  // The app installs the key gate in its shell; a screen rendered on its own gets one here.
  const instance = render(<WithKeyGate>{element}</WithKeyGate>, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const frames = () => stdout.frames.map((f) => stripVTControlCharacters(f));
  const frame = () => frames().at(-1) ?? '';
  return {
    stdout,
    stdin,
    frame,
    frames,
    // Each key is handled and its frame drawn before the next one is typed: the app's key gate says when
    // (a key opening a lazily loaded screen waits for that screen), not a fixed sleep.
    async press(...keys) {
      for (const k of keys) {
        const before = keysReceived();
        stdin.write(k);
        // Ink holds a lone Esc for 20 ms (it may start a sequence): wait until the key has reached the app.
        for (const until = Date.now() + 1000; keysReceived() === before && Date.now() < until;) await settle(5);
        await keysSettled();
      }
    },
    // Woken by each frame the app writes; fails when none shows the text within 10 s.
    async waitFor(text) {
      const shows = () => {
        const f = frame();
        return typeof text === 'string' ? f.includes(text) : text.test(f);
      };
      const deadline = Date.now() + 10_000;
      while (!shows()) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`Timed out waiting for ${String(text)}; last frame:\n${frame()}`);
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            stdout.off('frame', done);
            resolve();
          };
          const timer = setTimeout(done, left);
          stdout.on('frame', done);
        });
      }
      const shown = frame();
      // The frame is drawn; what it mounted subscribes before the next key is delivered (the key gate).
      await keysSettled();
      return shown;
    },
    unmount: () => instance.unmount(),
  };
}

/** Every frame fits the terminal: at most `rows` lines, each at most `columns` wide. */
export function oversizedFrames(frames: string[], columns: number, rows: number): string[] {
  const problems: string[] = [];
  frames.forEach((f, i) => {
    const lines = f.replace(/\n$/, '').split('\n');
    if (lines.length > rows) problems.push(`frame ${i}: ${lines.length} lines`);
    lines.forEach((l, j) => {
      if ([...l].length > columns) problems.push(`frame ${i} line ${j}: ${[...l].length} columns: ${l}`);
    });
  });
  return problems;
}
