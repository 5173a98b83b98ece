// Avro object container files, written: the one place the stream writes the
// container format (header, blocks, sync markers). Used by the raw-alert
// archive, the Avro file outputs and the replay tool's framing. Reading
// containers is decoding's job (decoding/container.ts); ContainerFile reads
// only the header of a file it appends to.

import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import avro from 'avsc';
import { readHeader } from '../decoding/container.js';

const MAGIC = [0x4f, 0x62, 0x6a, 0x01];

/** Avro's zig-zag varint of a safe integer (block counts, sizes, metadata lengths). */
export function avroLong(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const bytes: number[] = [];
  while (z >= 0x80) {
    bytes.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  bytes.push(z);
  return Buffer.from(bytes);
}

/** The header of an Avro object container file: magic, schema and codec metadata, sync marker. */
export function containerHeader(schemaText: string, codec: string, sync: Uint8Array): Buffer {
  const bytes = (b: Buffer) => [avroLong(b.length), b];
  return Buffer.concat([
    Buffer.from(MAGIC), avroLong(2),
    ...bytes(Buffer.from('avro.schema')), ...bytes(Buffer.from(schemaText)),
    ...bytes(Buffer.from('avro.codec')), ...bytes(Buffer.from(codec)),
    avroLong(0), sync,
  ]);
}

/** One block of a container: record count, byte size, the records' bytes (as given), the sync marker. */
export function containerBlock(count: number, body: Uint8Array, sync: Uint8Array): Buffer {
  return Buffer.concat([avroLong(count), avroLong(body.byteLength), body, sync]);
}

/** A whole Avro container file (null codec) holding the given record bytes. */
export function encodeContainer(schemaText: string, raws: readonly Uint8Array[], sync: Buffer = createHash('md5').update(schemaText).digest()): Buffer {
  const body = Buffer.concat(raws.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength)));
  return Buffer.concat([containerHeader(schemaText, 'null', sync), containerBlock(raws.length, body, sync)]);
}

// ---------------------------------------------------------------------------
// Avro object container files, appended across runs. A container has one
// header (schema, codec, a random 16-byte sync marker) and then blocks, each
// ending with that marker; a new encoder would write a second header, so a
// reopened file is appended to with the sync marker read from its header.
// New files get their header through a synced temporary file and a rename, so
// a crash never leaves a half header; a crash inside a block leaves a tail
// that does not end with the marker, which the next open cuts back to the
// last whole block. A file whose schema differs from the current one is moved
// aside to <name>.<time>.avro and a new file started.

const MAX_BLOCK_BYTES = 4 << 20;


function readVarint(b: Buffer, pos: number): [number, number] | null {
  let n = 0, mul = 1;
  for (let i = 0; i < 10 && pos < b.length; i++) {
    const byte = b[pos++];
    n += (byte & 0x7f) * mul;
    mul *= 128;
    if (!(byte & 0x80)) return [n % 2 === 0 ? n / 2 : -(n + 1) / 2, pos];
  }
  return null;
}

function writeAll(fd: number, buf: Buffer, position: number): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, position + off);
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}

function canonicalFingerprint(schemaText: string): string | null {
  try {
    return avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema, { wrapUnions: false } as never).fingerprint('md5').toString('hex');
  } catch {
    return null;
  }
}

export class ContainerFile {
  /** Bytes cut from a damaged tail when the file was opened. */
  repairedBytes = 0;
  /** Where an incompatible (or unreadable) earlier file was moved, if one was. */
  movedAside?: string;

  private constructor(readonly file: string, private readonly fd: number, private end: number, private readonly sync: Buffer, readonly codec: string) {}

  static open(file: string, schemaText: string, codec: 'null' | 'deflate'): ContainerFile {
    let movedAside: string | undefined;
    if (existsSync(file)) {
      const fd = openSync(file, 'r+');
      const found = ContainerFile.inspect(fd, schemaText);
      if (found) {
        const f = new ContainerFile(file, fd, found.end, found.sync, found.codec);
        if (found.end < found.size) {
          ftruncateSync(fd, found.end);
          fsyncSync(fd);
          f.repairedBytes = found.size - found.end;
        }
        return f;
      }
      closeSync(fd);
      movedAside = ContainerFile.moveAside(file);
    }
    const sync = randomBytes(16);
    const header = containerHeader(schemaText, codec, sync);
    const tmp = `${file}.tmp`;
    const t = openSync(tmp, 'w');
    try { writeAll(t, header, 0); fsyncSync(t); } finally { closeSync(t); }
    renameSync(tmp, file);
    syncDir(path.dirname(file));
    const f = new ContainerFile(file, openSync(file, 'r+'), header.length, sync, codec);
    f.movedAside = movedAside;
    return f;
  }

  /** Header and valid end of an existing file; null when it is unreadable or has another schema. */
  private static inspect(fd: number, schemaText: string): { sync: Buffer; codec: string; end: number; size: number } | null {
    const size = fstatSync(fd).size;
    let header: ReturnType<typeof readHeader> | null = null;
    for (let n = Math.min(size, 1 << 16); header === null; n = Math.min(size, n * 4)) {
      const b = Buffer.alloc(n);
      readSync(fd, b, 0, n, 0);
      try {
        header = readHeader(b);
      } catch {
        if (n >= size) return null;
      }
    }
    if (header.codec !== 'null' && header.codec !== 'deflate') return null;
    if (canonicalFingerprint(header.schemaText) !== canonicalFingerprint(schemaText)) return null;
    const sync = Buffer.from(header.sync);
    // Fast path: the file ends with a whole block (or right after the header).
    const tail = Buffer.alloc(16);
    if (size === header.dataStart) return { sync, codec: header.codec, end: size, size };
    if (size >= header.dataStart + 16) {
      readSync(fd, tail, 0, 16, size - 16);
      if (tail.equals(sync)) return { sync, codec: header.codec, end: size, size };
    }
    // Damaged tail: walk the blocks and keep the whole ones.
    let pos = header.dataStart;
    const head = Buffer.alloc(20);
    for (;;) {
      const got = readSync(fd, head, 0, 20, pos);
      const count = readVarint(head.subarray(0, got), 0);
      const bytes = count && readVarint(head.subarray(0, got), count[1]);
      if (!count || !bytes || count[0] < 0 || bytes[0] < 0) break;
      const next = pos + bytes[1] + bytes[0] + 16;
      if (next > size) break;
      readSync(fd, tail, 0, 16, next - 16);
      if (!tail.equals(sync)) break;
      pos = next;
    }
    return { sync, codec: header.codec, end: pos, size };
  }

  private static moveAside(file: string): string {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const base = file.replace(/\.avro$/, '');
    let to = `${base}.${stamp}.avro`;
    for (let i = 1; existsSync(to); i++) to = `${base}.${stamp}-${i}.avro`;
    renameSync(file, to);
    return to;
  }

  /** Appends records (each one Avro binary value) as blocks, then fsyncs. */
  append(records: readonly Buffer[]): void {
    const parts: Buffer[] = [];
    for (let i = 0; i < records.length;) {
      let j = i, bytes = 0;
      while (j < records.length && (j === i || bytes + records[j].length <= MAX_BLOCK_BYTES)) bytes += records[j++].length;
      let data = Buffer.concat(records.slice(i, j) as Buffer[], bytes);
      if (this.codec === 'deflate') data = deflateRawSync(data);
      parts.push(avroLong(j - i), avroLong(data.length), data, this.sync);
      i = j;
    }
    const buf = Buffer.concat(parts);
    try {
      writeAll(this.fd, buf, this.end);
      fsyncSync(this.fd);
    } catch (err) {
      try { ftruncateSync(this.fd, this.end); } catch { /* the next open repairs the tail */ }
      throw err;
    }
    this.end += buf.length;
  }

  close(): void {
    closeSync(this.fd);
  }
}
