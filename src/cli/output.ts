// Where a command writes its text: a file given by --out, written under a
// temporary name and renamed into place when complete (catalog/atomic-file.ts),
// or stdout. Text is gathered into 64 KiB chunks; file writes are synchronous
// (an error is an exception at the write, never a lost 'error' event), stdout
// honours back-pressure. A reader that closes stdout early (`| head`) ends the
// process quietly (main.ts).

import { closeSync, openSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { AtomicFile, OutputError, isWriteError } from '../catalog/atomic-file.js';
import { fsReason } from '../catalog/fs-errors.js';
import { writeTableFile, type TableFormat, type TableMeta } from '../catalog/table-formats.js';
import type { ColumnTable } from '../catalog/table.js';

const CHUNK = 1 << 16;

export class TextSink {
  private parts: string[] = [];
  private size = 0;
  private readonly file: AtomicFile | null;
  private fd = -1;

  /**
   * `path` undefined or '-': stdout. Otherwise the output file is checked and
   * its temporary twin created now, so a bad --out fails before any work.
   */
  constructor(path?: string) {
    this.file = path && path !== '-' ? AtomicFile.create(path) : null;
    if (this.file) {
      try {
        this.fd = openSync(this.file.tempPath, 'w');
      } catch (err) {
        this.file.discard();
        throw new OutputError(this.file.path, fsReason(err));
      }
    }
  }

  /**
   * Appends text. Returns true when stdout is full: the caller then awaits
   * drain() before writing more (files never ask for that).
   */
  write(text: string): boolean {
    this.parts.push(text);
    this.size += text.length;
    return this.size >= CHUNK ? this.flush() : false;
  }

  /** Resolves once stdout has taken what it holds. */
  async drain(): Promise<void> {
    if (process.stdout.writableNeedDrain) await once(process.stdout, 'drain');
  }

  private flush(): boolean {
    if (this.parts.length === 0) return false;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.file) return !process.stdout.write(chunk);
    const bytes = Buffer.from(chunk, 'utf8');
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    } catch (err) {
      this.discard();
      // A pipe given as --out (/dev/stdout | head) that closed early: as for stdout, the run ends quietly (main.ts).
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') throw err;
      throw isWriteError(err, this.file.tempPath) ? new OutputError(this.file.path, fsReason(err)) : err;
    }
    return false;
  }

  /** Writes what is left; a file is then closed and renamed to its final name. */
  async close(): Promise<void> {
    this.flush();
    if (!this.file) {
      await this.drain();
      return;
    }
    try {
      closeSync(this.fd);
    } catch (err) {
      this.fd = -1;
      this.discard();
      throw new OutputError(this.file.path, fsReason(err));
    }
    this.fd = -1;
    this.file.commit();
  }

  /** Drops the output: the temporary file is removed, the final name untouched. */
  discard(): void {
    if (!this.file) return;
    if (this.fd >= 0) {
      try { closeSync(this.fd); } catch { /* closing a file we drop */ }
      this.fd = -1;
    }
    this.file.discard();
  }
}

/** A CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/**
 * A table written whole to --out in a binary format (FITS, Parquet): the
 * output is checked and its temporary twin made at once, the table written
 * under it and renamed into place when complete.
 */
export class TableSink {
  private readonly file: AtomicFile;

  constructor(path: string) {
    this.file = AtomicFile.create(path);
  }

  async write(table: ColumnTable, format: TableFormat, meta: TableMeta): Promise<void> {
    try {
      await writeTableFile(this.file.tempPath, table, format, meta);
    } catch (err) {
      this.discard();
      throw isWriteError(err, this.file.tempPath) ? new OutputError(this.file.path, fsReason(err)) : err;
    }
    this.file.commit();
  }

  discard(): void {
    this.file.discard();
  }
}
