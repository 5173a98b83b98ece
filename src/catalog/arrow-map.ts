// Reads an Arrow IPC file by memory-mapping each column buffer on its own,
// so that no single mapping approaches the limits of a typed array and files
// of any size open the same way. Only the footer and the record batch's metadata are read; every
// column becomes typed-array views on mapped pages, loaded when touched and
// shared with every process that maps the same file.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import * as A from 'apache-arrow';
import { MessageReader } from 'apache-arrow/ipc/message';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { mapRegion as mapBytes } from './mmap.js';

const MAGIC = 'ARROW1';

function readAt(fd: number, pos: number, len: number): Uint8Array {
  const b = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, got, len - got, pos + got);
    if (n === 0) throw new TypeError('unexpected end of file');
    got += n;
  }
  return b;
}

/** Maps file bytes [pos, pos + len) read-only and shared; a view of exactly those bytes. */
function mapRegion(fd: number, pos: number, len: number): Uint8Array {
  return mapBytes(fd, pos, len);
}

function typed<T>(ctor: new (b: ArrayBufferLike, o: number, n: number) => T, bytes: Uint8Array, width: number, n: number): T {
  if (bytes.byteOffset % width !== 0) throw new TypeError('misaligned column buffer');
  return new ctor(bytes.buffer, bytes.byteOffset, Math.min(n, Math.floor(bytes.byteLength / width)));
}

export interface MappedTable {
  schema: A.Schema;
  numRows: number;
  /** Column names, in file order. */
  names: string[];
  /**
   * A column as a zero-copy vector, mapped on first use: opening maps
   * nothing, so it costs the same whatever the size of the file.
   */
  column(name: string): A.Vector | undefined;
  /** Closes the file (views already made stay valid: mappings outlive the descriptor). */
  close(): void;
}

interface ColumnPlan {
  field: A.Field;
  nullCount: number;
  buffers: Array<{ pos: number; len: number }>;
}

/** Opens an Arrow IPC file (one record batch): reads its footer and metadata; columns map lazily. */
export function mapArrowFile(file: string): MappedTable {
  const fd = openSync(file, 'r');
  let keepFd = false;
  try {
    const size = fstatSync(fd).size;
    if (size < 20) throw new TypeError('file too short');
    const head = Buffer.from(readAt(fd, 0, 6)).toString('latin1');
    const tail = readAt(fd, size - 10, 10);
    if (head !== MAGIC || Buffer.from(tail.subarray(4)).toString('latin1') !== MAGIC) throw new TypeError('no ARROW1 magic');
    const footerLen = new DataView(tail.buffer, tail.byteOffset, 4).getInt32(0, true);
    if (footerLen <= 0 || footerLen > size) throw new TypeError('bad footer length');
    const footer = Footer.decode(readAt(fd, size - 10 - footerLen, footerLen));
    const schema = footer.schema;
    if (footer.numDictionaries > 0) throw new TypeError('dictionary-encoded columns are not supported');
    const names = schema.fields.map((f) => f.name);
    if (footer.numRecordBatches === 0) return { schema, numRows: 0, names, column: () => undefined, close: () => {} };
    if (footer.numRecordBatches > 1) throw new TypeError(`expected one record batch, found ${footer.numRecordBatches}`);
    const block = footer.getRecordBatch(0)!;
    const message = new MessageReader(readAt(fd, Number(block.offset), block.metaDataLength)).readMessage(A.MessageHeader.RecordBatch);
    if (!message) throw new TypeError('no record batch message');
    const rb = message.header();
    if (rb.compression) throw new TypeError('compressed record batches are not supported');
    const bodyStart = Number(block.offset) + block.metaDataLength;
    const n = rb.length;
    const plans = new Map<string, ColumnPlan>();
    let b = 0;
    rb.nodes.forEach((node, k) => {
      const field = schema.fields[k];
      if (!field) throw new TypeError('nested columns are not supported');
      const t = field.type;
      const count = A.DataType.isUtf8(t) ? 3 : 2;
      const buffers = rb.buffers.slice(b, b + count).map((r) => ({ pos: bodyStart + Number(r.offset), len: Number(r.length) }));
      b += count;
      plans.set(field.name, { field, nullCount: node.nullCount, buffers });
    });
    const cache = new Map<string, A.Vector>();
    keepFd = true;
    // The descriptor stays open for lazy mappings; it closes with the process.
    const column = (name: string): A.Vector | undefined => {
      const hit = cache.get(name);
      if (hit) return hit;
      const plan = plans.get(name);
      if (!plan) return undefined;
      const v = A.makeVector(mapColumn(fd, plan, n));
      cache.set(name, v);
      return v;
    };
    return { schema, numRows: n, names, column, close: () => { if (keepFd) { keepFd = false; closeSync(fd); } } };
  } finally {
    if (!keepFd) closeSync(fd);
  }
}

function mapColumn(fd: number, plan: ColumnPlan, n: number): A.Data {
  const { field, nullCount, buffers } = plan;
  const region = (i: number) => mapRegion(fd, buffers[i].pos, buffers[i].len);
  const nullBitmap = nullCount > 0 ? region(0) : undefined;
  const t = field.type;
  if (A.DataType.isUtf8(t)) {
    const offsets = typed(Int32Array, region(1), 4, n + 1);
    return A.makeData({ type: t, length: n, nullCount, nullBitmap, valueOffsets: offsets, data: region(2) } as never) as A.Data;
  }
  if (A.DataType.isBool(t)) {
    return A.makeData({ type: t, length: n, nullCount, nullBitmap, data: region(1) } as never) as A.Data;
  }
  if (A.DataType.isFloat(t) && (t as A.Float).precision === A.Precision.DOUBLE) {
    return A.makeData({ type: t, length: n, nullCount, nullBitmap, data: typed(Float64Array, region(1), 8, n) } as never) as A.Data;
  }
  if (A.DataType.isInt(t)) {
    const it = t as A.Int;
    const bytes = region(1);
    const arr = it.bitWidth === 64 ? (it.isSigned ? typed(BigInt64Array, bytes, 8, n) : typed(BigUint64Array, bytes, 8, n))
      : it.bitWidth === 32 ? (it.isSigned ? typed(Int32Array, bytes, 4, n) : typed(Uint32Array, bytes, 4, n))
        : it.bitWidth === 16 ? (it.isSigned ? typed(Int16Array, bytes, 2, n) : typed(Uint16Array, bytes, 2, n))
          : it.isSigned ? typed(Int8Array, bytes, 1, n) : typed(Uint8Array, bytes, 1, n);
    return A.makeData({ type: t, length: n, nullCount, nullBitmap, data: arr } as never) as A.Data;
  }
  throw new TypeError(`column '${field.name}' has unsupported type ${String(t)}`);
}
