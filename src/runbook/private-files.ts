// Files under the state directory (journal, transcripts, remembered targets) name resources and people,
// and the journal decides what `cleanup` removes: they are the operator's alone. A directory someone else
// can write lets them plant a journal or a symlink; a write that follows a planted symlink overwrites its
// target. So the directory is 0700 and checked, and every file is written as a new 0600 temp file
// (O_EXCL|O_NOFOLLOW: never an existing file, never through a link), fsynced, then renamed into place,
// which replaces whatever was at the path (a link included) instead of writing through it.
import { randomUUID } from 'node:crypto';
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../error-model.ts';

/** A state directory apimkv will not use, with what to do instead. */
export class UnsafeStateDirError extends InputError {
  override readonly name: string = 'UnsafeStateDirError';
}

/** Create `dir` (0700) if needed; refuse one owned by someone else or writable by group or others. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new UnsafeStateDirError(
      `The state directory ${dir} belongs to uid ${st.uid}, not to you (uid ${uid}): its owner could rewrite the journal apimkv trusts. Use --state-dir with a directory of your own.`,
    );
  }
  const loose = st.mode & 0o022;
  if (loose) {
    const who = [loose & 0o020 ? 'its group' : '', loose & 0o002 ? 'everyone' : ''].filter(Boolean).join(' and ');
    throw new UnsafeStateDirError(
      `The state directory ${dir} is writable by ${who} (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): anyone who can write it can plant a journal or a symlink. Fix: chmod 700 ${dir}`,
    );
  }
}

/** Create a 0600 file that did not exist, never following a symlink planted in its place; fsync it. */
export function writeNewPrivateFile(path: string, text: string): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Write `text` to `path` as a fresh 0600 file, atomically; a symlink at `path` is replaced, never followed. */
export function writePrivateFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    writeNewPrivateFile(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
