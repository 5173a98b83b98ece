// Reading the raw-alert archive back: Avro container files (null codec) that
// the stream appends to while we read. Each file is indexed once, block by
// block, up to its committed length (what the stream's transaction recorded;
// bytes past it may be an append in progress), and only the new blocks are
// read when the file has grown: the index maps alert id -> where the record's
// bytes lie, so an alert is one pread of its own bytes.

import { closeSync, openSync, readSync } from 'node:fs';
import type avro from 'avsc';
import { readHeader } from '../stream/decoding/container.js';
import { typeOf } from '../stream/decoding/avro-types.js';
import { skimOf, type Skim } from '../stream/decoding/skim.js';

export interface ArchivedRecord {
  /** Byte range of the record's Avro encoding in the file. */
  start: number;
  end: number;
}

interface FileIndex {
  schemaText: string;
  type: avro.Type;
  /** ZTF: a reading that materialises only a few fields (indexing needs the id and the record's end). */
  skim: Skim | null;
  sync: Uint8Array;
  /** Where the next unread block starts. */
  next: number;
  ids: Map<string, ArchivedRecord>;
}

/** Zig-zag varint at pos: [value, next position], or null when the buffer ends inside it. */
function varint(b: Uint8Array, pos: number): [number, number] | null {
  let n = 0, shift = 1;
  for (;;) {
    if (pos >= b.length) return null;
    const byte = b[pos++];
    n += (byte & 0x7f) * shift;
    shift *= 128;
    if (!(byte & 0x80)) break;
  }
  return [n % 2 === 0 ? n / 2 : -(n + 1) / 2, pos];
}

function readAt(fd: number, start: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** The alert id of a decoded record: ZTF candid, Rubin diaSource.diaSourceId. */
function alertIdOf(rec: Record<string, unknown>): string | null {
  if (typeof rec.candid === 'bigint' || typeof rec.candid === 'number') return String(rec.candid);
  const s = rec.diaSource as Record<string, unknown> | undefined;
  if (s && (typeof s.diaSourceId === 'bigint' || typeof s.diaSourceId === 'number')) return String(s.diaSourceId);
  return null;
}

export class ArchiveReader {
  private readonly files = new Map<string, FileIndex>();

  /**
   * Brings the index of one file up to `committed` bytes and returns it
   * (null when the file cannot be read as a container).
   */
  private index(file: string, committed: number): FileIndex | null {
    let ix = this.files.get(file);
    if (ix && ix.next >= committed) return ix;
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch {
      return null;
    }
    try {
      if (!ix) {
        // The header holds the ~15 kB schema: read a growing prefix until it parses.
        let len = 32 * 1024;
        for (;;) {
          const head = readAt(fd, 0, Math.min(len, committed));
          try {
            const h = readHeader(head);
            ix = { schemaText: h.schemaText, type: typeOf(h.schemaText), skim: skimOf(h.schemaText), sync: Uint8Array.from(h.sync), next: h.dataStart, ids: new Map() };
            break;
          } catch {
            if (len >= committed) return null;
            len *= 4;
          }
        }
        this.files.set(file, ix);
      }
      if (ix.next < committed) {
        const body = readAt(fd, ix.next, committed - ix.next);
        let pos = 0;
        while (pos < body.length) {
          const c = varint(body, pos);
          const s = c && varint(body, c[1]);
          if (!c || !s || s[0] < 0 || s[1] + s[0] + 16 > body.length) break; // a block not wholly committed
          const dataStart = s[1], dataEnd = s[1] + s[0];
          let off = dataStart;
          for (let i = 0; i < c[0]; i++) {
            const sk = ix.skim;
            const r = (sk ? (sk.read ? sk.read(body, off) : sk.type.decode(body, off, sk.resolver)) : ix.type.decode(body, off)) as { value: Record<string, unknown>; offset: number };
            if (r.offset < 0) break;
            const id = alertIdOf(r.value);
            if (id !== null) ix.ids.set(id, { start: ix.next + off, end: ix.next + r.offset });
            off = r.offset;
          }
          pos = dataEnd + 16;
        }
        ix.next += pos;
      }
      return ix;
    } finally {
      closeSync(fd);
    }
  }

  /** The alert's record bytes and writer schema, when `file` (read up to `committed`) holds it. */
  find(file: string, committed: number, alertId: string): { raw: Buffer; schemaText: string; type: avro.Type } | null {
    const ix = this.index(file, committed);
    const at = ix?.ids.get(alertId);
    if (!ix || !at) return null;
    const fd = openSync(file, 'r');
    try {
      return { raw: readAt(fd, at.start, at.end - at.start), schemaText: ix.schemaText, type: ix.type };
    } finally {
      closeSync(fd);
    }
  }

  /** Alert ids held in the file up to `committed`. */
  ids(file: string, committed: number): string[] {
    return [...(this.index(file, committed)?.ids.keys() ?? [])];
  }
}
