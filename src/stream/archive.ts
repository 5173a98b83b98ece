// Raw alerts, bytes unchanged, appended to Avro container files partitioned
// by survey, night, writer schema and source partition (one writer each). The
// committed length of every file is recorded in the batch's transaction; on
// start, files are cut back to it, so a crash between an append and its
// commit never leaves a record twice.

import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, writeSync, writevSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { StreamStore } from './store.js';
import { avroLong, containerHeader } from './avro/container-writer.js';

interface FileState {
  file: string;
  committed: number;
  sync: string;
}

export class AlertArchive {
  // A batch touches one file per (night, schema, source partition): with many
  // partitions that is dozens of files per batch, so descriptors, schema
  // hashes and created folders are kept instead of redone per append.
  // Descriptors in least-recently-used order (a Map keeps insertion order).
  // A replay of many nights over many partitions touches thousands of files:
  // closing them all when the cache filled reopened most of them at once.
  private readonly fds = new Map<string, number>();
  // How far each open file may hold bytes: an append that ends short of an
  // earlier uncommitted attempt cuts the rest (no truncate call otherwise).
  private readonly ends = new Map<number, number>();
  private readonly hashes = new Map<string, string>();
  private readonly dirs = new Set<string>();
  private readonly maxOpen: number;

  /** `maxOpenFiles`: descriptors kept open at most (default 2048). */
  constructor(readonly root: string, private readonly store: StreamStore, opts: { maxOpenFiles?: number } = {}) {
    this.maxOpen = Math.max(1, opts.maxOpenFiles ?? 2048);
  }

  /** Cuts every file back to its committed length (after a crash). */
  recover(): number {
    let cut = 0;
    for (const { value } of this.store.archive.getRange({ start: ['file'], end: ['file\u0000'] })) {
      const s = value as FileState;
      const p = path.join(this.root, s.file);
      if (!existsSync(p)) continue;
      const fd = openSync(p, 'r+');
      try {
        if (fstatSync(fd).size > s.committed) {
          ftruncateSync(fd, s.committed);
          cut++;
        }
      } finally {
        closeSync(fd);
      }
    }
    return cut;
  }

  private schemaHash(schemaText: string): string {
    let h = this.hashes.get(schemaText);
    if (h === undefined) {
      h = createHash('sha256').update(schemaText).digest('hex').slice(0, 10);
      this.hashes.set(schemaText, h);
    }
    return h;
  }

  private fileFd(abs: string, exists: boolean): number {
    let fd = this.fds.get(abs);
    if (fd !== undefined) {
      this.fds.delete(abs);
      this.fds.set(abs, fd);
      return fd;
    }
    if (this.fds.size >= this.maxOpen) this.closeOldest(1);
    const dir = path.dirname(abs);
    if (!this.dirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    // A recorded file is reopened as it is (missing, it fails as before); a new one starts empty.
    try {
      fd = openSync(abs, exists ? 'r+' : 'w');
    } catch (err) {
      // Out of descriptors (a low process limit): give back half the cache and try once more.
      if ((err as NodeJS.ErrnoException).code !== 'EMFILE' || this.fds.size === 0) throw err;
      this.closeOldest(Math.ceil(this.fds.size / 2));
      fd = openSync(abs, exists ? 'r+' : 'w');
    }
    this.fds.set(abs, fd);
    this.ends.set(fd, exists ? fstatSync(fd).size : 0);
    return fd;
  }

  private closeOldest(n: number): void {
    for (const [abs, fd] of this.fds) {
      if (n-- <= 0) break;
      this.fds.delete(abs);
      this.ends.delete(fd);
      closeSync(fd);
    }
  }

  /** Closes the open archive files (they reopen on the next append). */
  closeFiles(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.ends.clear();
  }

  /**
   * Appends records (their Avro bytes) as one block; must run inside the
   * batch's transaction, which records the new committed length.
   */
  appendInTxn(survey: string, night: string, schemaText: string, partition: number, raws: Uint8Array[]): string {
    const rel = path.join(survey, night, `${survey}-${night}-${this.schemaHash(schemaText)}-p${partition}.avro`);
    const key = ['file', rel];
    let state = this.store.archive.get(key) as FileState | undefined;
    const abs = path.join(this.root, rel);
    const fd = this.fileFd(abs, state !== undefined);
    if (!state) {
      const sync = createHash('md5').update(rel).digest();
      const head = containerHeader(schemaText, 'null', sync);
      writeSync(fd, head, 0, head.length, 0);
      state = { file: rel, committed: head.length, sync: sync.toString('hex') };
    }
    let size = 0;
    for (const r of raws) size += r.byteLength;
    // The records' bytes go out as they are (no copy into one block buffer).
    const parts: Uint8Array[] = [Buffer.concat([avroLong(raws.length), avroLong(size)]), ...raws, Buffer.from(state.sync, 'hex')];
    let length = 0;
    for (const p of parts) length += p.byteLength;
    // Write at the committed end: bytes of an uncommitted attempt are overwritten.
    let written = 0;
    while (written < length) {
      let skip = written;
      const rest: Uint8Array[] = [];
      for (const p of parts) {
        if (skip >= p.byteLength) { skip -= p.byteLength; continue; }
        rest.push(skip ? p.subarray(skip) : p);
        skip = 0;
      }
      written += writevSync(fd, rest, state.committed + written);
    }
    const end = state.committed + length;
    if ((this.ends.get(fd) ?? Infinity) > end) ftruncateSync(fd, end);
    this.ends.set(fd, end);
    this.store.archive.put(key, { ...state, committed: state.committed + length });
    return rel;
  }
}
