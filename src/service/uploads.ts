// Uploaded source lists, kept in LMDB in chunks of 65,536 rows (so a million
// sources never need a million objects), removed when they expire.

import { randomBytes } from 'node:crypto';
import type { Database, Key, RootDatabase } from 'lmdb';
import { TextColumn } from '../catalog/text.js';
import type { PositionList } from './sources-parse.js';

export const CHUNK_ROWS = 65_536;

export interface UploadMeta {
  id: string;
  owner: string | null;
  count: number;
  chunks: number;
  hasRadius: boolean;
  createdAt: string;
  expiresAt: string;
}

export interface SourceChunk {
  /** Index of the first row of the chunk in the upload. */
  start: number;
  ids: TextColumn;
  ra: Float64Array;
  dec: Float64Array;
  radius: Float64Array | null;
}

function encodeChunk(p: PositionList, s: number, e: number): Buffer {
  const n = e - s;
  const hasR = p.radius !== null;
  const o0 = p.ids.offsets[s], o1 = p.ids.offsets[e];
  const idBytes = o1 - o0;
  const head = 8, f64 = (hasR ? 3 : 2) * n * 8, offs = (n + 1) * 4;
  const buf = Buffer.alloc(head + f64 + offs + idBytes);
  buf.writeUInt32LE(n, 0);
  buf.writeUInt32LE(hasR ? 1 : 0, 4);
  const ab = new ArrayBuffer(f64);
  const view = new Float64Array(ab);
  view.set(p.ra.subarray(s, e), 0);
  view.set(p.dec.subarray(s, e), n);
  if (hasR) view.set(p.radius!.subarray(s, e), 2 * n);
  Buffer.from(ab).copy(buf, head);
  const off = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) off[i] = p.ids.offsets[s + i] - o0;
  Buffer.from(off.buffer).copy(buf, head + f64);
  Buffer.from(p.ids.data.buffer, p.ids.data.byteOffset + o0, idBytes).copy(buf, head + f64 + offs);
  return buf;
}

function decodeChunk(b: Uint8Array, start: number): SourceChunk {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getUint32(0, true), hasR = dv.getUint32(4, true) === 1;
  const f64 = (hasR ? 3 : 2) * n * 8;
  // Copies into aligned memory (LMDB hands back unaligned bytes).
  const nums = new Float64Array(new Uint8Array(b.subarray(8, 8 + f64)).buffer);
  const offs = new Int32Array(new Uint8Array(b.subarray(8 + f64, 8 + f64 + (n + 1) * 4)).buffer);
  const data = new Uint8Array(b.subarray(8 + f64 + (n + 1) * 4));
  return {
    start, ids: new TextColumn(offs, data),
    ra: nums.subarray(0, n), dec: nums.subarray(n, 2 * n), radius: hasR ? nums.subarray(2 * n, 3 * n) : null,
  };
}

export class UploadStore {
  private readonly db: Database<unknown, Key>;

  constructor(env: RootDatabase, private readonly ttlSeconds: number) {
    this.db = env.openDB<unknown, Key>('uploads', { encoding: 'msgpack' });
  }

  async put(owner: string | null, p: PositionList): Promise<UploadMeta> {
    const id = `up_${randomBytes(9).toString('base64url')}`;
    const now = Date.now();
    const chunks = Math.ceil(p.length / CHUNK_ROWS);
    const meta: UploadMeta = {
      id, owner, count: p.length, chunks, hasRadius: p.radius !== null,
      createdAt: new Date(now).toISOString(), expiresAt: new Date(now + this.ttlSeconds * 1000).toISOString(),
    };
    await this.db.transaction(() => {
      for (let c = 0; c < chunks; c++) {
        this.db.put([id, c], encodeChunk(p, c * CHUNK_ROWS, Math.min(p.length, (c + 1) * CHUNK_ROWS)));
      }
      this.db.put([id, 'meta'], meta);
    });
    return meta;
  }

  /** The upload's description, or undefined when it does not exist or has expired. */
  get(id: string): UploadMeta | undefined {
    const m = this.db.get([id, 'meta']) as UploadMeta | undefined;
    if (!m || Date.parse(m.expiresAt) <= Date.now()) return undefined;
    return m;
  }

  chunk(meta: UploadMeta, c: number): SourceChunk {
    const b = this.db.get([meta.id, c]) as Uint8Array | undefined;
    if (!b) throw new RangeError(`upload ${meta.id} lost chunk ${c}`);
    return decodeChunk(b, c * CHUNK_ROWS);
  }

  async remove(id: string): Promise<void> {
    await this.db.transaction(() => {
      for (const key of this.db.getKeys({ start: [id], end: [`${id}\u0000`] })) this.db.remove(key);
    });
  }

  /** Removes every expired upload; returns how many. */
  async sweep(): Promise<number> {
    const expired: string[] = [];
    for (const { key, value } of this.db.getRange({})) {
      const k = key as unknown[];
      if (k[1] === 'meta' && Date.parse((value as UploadMeta).expiresAt) <= Date.now()) expired.push(k[0] as string);
    }
    for (const id of expired) await this.remove(id);
    return expired.length;
  }
}
