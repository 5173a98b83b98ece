// A file written under a temporary name in its own folder and renamed into
// place when complete: readers see the old file or the whole new one, never a
// part; a failed or interrupted write leaves nothing under the final name.
// The temporary file is created at once, so a missing, unwritable or wrong
// output path fails before any work is done, with one line naming it. A path
// that is a symbolic link or not a regular file (/dev/stdout, /dev/null, a
// FIFO, a process substitution) is written in place, through the link:
// renaming over it would replace the link or the device itself.

import { accessSync, closeSync, constants, lstatSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { fsReason, isSystemError } from './fs-errors.js';

/** An output that cannot be written: the message names the path and the reason. */
export class OutputError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`cannot write ${file}: ${reason}`);
    this.name = 'OutputError';
  }
}

// Temporary files not yet renamed or removed: removed on exit and on SIGINT /
// SIGTERM, so an interrupted run leaves no debris beside the output.
const live = new Set<AtomicFile>();
let hooked = false;

function onSignal(sig: NodeJS.Signals): void {
  for (const f of [...live]) f.discard();
  // Ours is the only handler: do what the signal would have done.
  if (process.listenerCount(sig) === 1) {
    unhook();
    process.kill(process.pid, sig);
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', discardAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.off('exit', discardAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function discardAll(): void {
  for (const f of [...live]) f.discard();
}

/** Why `file` cannot be an output, found before writing: null when it can; 'special' for a device or pipe. */
function checkTarget(file: string): string | null | 'special' {
  const dir = path.dirname(file);
  let st;
  try {
    st = statSync(dir);
  } catch (err) {
    if (isSystemError(err) && err.code === 'ENOENT') return `folder ${dir} does not exist`;
    return `folder ${dir}: ${fsReason(err)}`;
  }
  if (!st.isDirectory()) return `${dir} is not a folder`;
  try {
    const target = statSync(file);
    if (target.isDirectory()) return 'it is a folder (give a file name)';
    accessSync(file, constants.W_OK);
    if (!target.isFile() || lstatSync(file).isSymbolicLink()) return 'special';
  } catch (err) {
    if (!(isSystemError(err) && err.code === 'ENOENT')) return fsReason(err);
  }
  return null;
}

export class AtomicFile {
  private state: 'open' | 'committed' | 'discarded' = 'open';

  /** tempPath is the path itself when the output is a device or a pipe (written in place). */
  private constructor(readonly path: string, readonly tempPath: string) {}

  private get inPlace(): boolean {
    return this.tempPath === this.path;
  }

  /**
   * Checks the output path and creates the empty temporary file beside it
   * (`.NAME.PID-RANDOM.tmp`). Throws an OutputError naming the path and the
   * reason when the folder is missing or not writable, or the path is a folder.
   */
  static create(file: string): AtomicFile {
    const problem = checkTarget(file);
    if (problem === 'special') return new AtomicFile(file, file);
    if (problem) throw new OutputError(file, problem);
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
    try {
      closeSync(openSync(tmp, 'wx'));
    } catch (err) {
      throw new OutputError(file, fsReason(err));
    }
    const f = new AtomicFile(file, tmp);
    live.add(f);
    hook();
    return f;
  }

  /** Moves the written temporary file to its final name. */
  commit(): void {
    if (this.state !== 'open') throw new Error(`${this.path}: already ${this.state}`);
    if (this.inPlace) {
      this.state = 'committed';
      return;
    }
    try {
      renameSync(this.tempPath, this.path);
    } catch (err) {
      this.discard();
      throw new OutputError(this.path, fsReason(err));
    }
    this.state = 'committed';
    this.forget();
  }

  /** Removes the temporary file (nothing happens once committed). */
  discard(): void {
    if (this.state !== 'open') return;
    this.state = 'discarded';
    if (this.inPlace) return;
    try {
      unlinkSync(this.tempPath);
    } catch {
      // already gone
    }
    this.forget();
  }

  private forget(): void {
    live.delete(this);
    if (live.size === 0) unhook();
  }
}

/** A system error of writing `tempPath` (by name, or on a descriptor: ENOSPC has no path). */
export function isWriteError(err: unknown, tempPath: string): boolean {
  if (!isSystemError(err)) return false;
  const dest = (err as { dest?: string }).dest;
  if (err.path !== undefined || dest !== undefined) return err.path === tempPath || dest === tempPath;
  return ['write', 'writev', 'fsync', 'fdatasync', 'close', 'ftruncate'].includes(err.syscall ?? '');
}

/**
 * Runs `write(tempPath)` and renames the result to `file`; on any failure the
 * temporary file is removed and the error goes on (a write error becomes an
 * OutputError naming `file`).
 */
export async function writeAtomically<T>(file: string, write: (tempPath: string) => Promise<T> | T): Promise<T> {
  const f = AtomicFile.create(file);
  try {
    const r = await write(f.tempPath);
    f.commit();
    return r;
  } catch (err) {
    f.discard();
    if (isWriteError(err, f.tempPath)) throw new OutputError(file, fsReason(err));
    throw err;
  } finally {
    f.discard();
  }
}
