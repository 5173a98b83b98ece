// The index as one contiguous buffer, reopened without copying:
//
//   header   32 float64: magic, version, scheme, n, run table, section offsets
//   keys     float64[n]   sorted index keys
//   x, y, z  float64[n]   unit vectors of the rows, in key order
//   table    uint32[size + 1]  table[r] = first row of run r (padded to 8 bytes)
//   rowIds   uint32[n]    input row of each sorted row (absent when the rows are
//                         already stored in key order, as in Arrow catalogs)
//
// All sections start on 8-byte boundaries. Little-endian, as typed arrays are
// on every platform Node supports.

import type { IndexScheme, RunTable } from './scheme.js';

export const MAGIC = 0x534b594a; // 'SKYJ'
export const FORMAT_VERSION = 1;
export const HEADER_FLOATS = 32;
export const HEADER_BYTES = HEADER_FLOATS * 8;

const KIND_CODE = { zones: 1, rowcol: 2, htm: 3, healpix: 4 } as const;

export interface IndexParts {
  scheme: IndexScheme;
  runTable: RunTable;
  keys: Float64Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  table: Uint32Array;
  rowIds: Uint32Array | null;
}

const align8 = (v: number): number => Math.ceil(v / 8) * 8;

export function layoutBytes(n: number, tableSize: number, withRowIds: boolean): number {
  return HEADER_BYTES + 4 * n * 8 + align8((tableSize + 1) * 4) + (withRowIds ? align8(n * 4) : 0);
}

/** Allocates an index buffer and views on its sections; the caller fills them. */
export function allocateParts(
  scheme: IndexScheme, runTable: RunTable, n: number, withRowIds: boolean,
): { buffer: ArrayBuffer; parts: IndexParts } {
  const bytes = layoutBytes(n, runTable.size, withRowIds);
  const buffer = new ArrayBuffer(bytes);
  const header = new Float64Array(buffer, 0, HEADER_FLOATS);
  writeHeader(header, scheme, runTable, n, withRowIds);
  return { buffer, parts: viewParts(buffer, 0, header) };
}

function writeHeader(
  h: Float64Array, scheme: IndexScheme, rt: RunTable, n: number, withRowIds: boolean,
): void {
  h[0] = MAGIC;
  h[1] = FORMAT_VERSION;
  h[2] = KIND_CODE[scheme.kind];
  switch (scheme.kind) {
    case 'zones': h[3] = scheme.zoneHeightDeg; break;
    case 'rowcol': h[3] = scheme.zoneHeightDeg; h[4] = scheme.colWidthDeg; break;
    case 'htm': h[3] = scheme.depth; break;
    case 'healpix': h[3] = scheme.order; break;
  }
  h[5] = n;
  h[6] = rt.shift;
  h[7] = rt.base;
  h[8] = rt.size;
  h[9] = withRowIds ? 1 : 0;
  let off = HEADER_BYTES;
  for (let s = 0; s < 4; s++) {
    h[10 + s] = off;
    off += n * 8;
  }
  h[14] = off;
  off += align8((rt.size + 1) * 4);
  h[15] = withRowIds ? off : 0;
  if (withRowIds) off += align8(n * 4);
  h[16] = off;
}

function schemeFromHeader(h: Float64Array): IndexScheme {
  switch (h[2]) {
    case 1: return { kind: 'zones', zoneHeightDeg: h[3] };
    case 2: return { kind: 'rowcol', zoneHeightDeg: h[3], colWidthDeg: h[4] };
    case 3: return { kind: 'htm', depth: h[3] };
    case 4: return { kind: 'healpix', order: h[3] };
    default: throw new TypeError(`not a skyjoin index: unknown scheme code ${h[2]}`);
  }
}

/** Views on an index buffer written by allocateParts; nothing is copied. */
export function viewParts(buffer: ArrayBufferLike, byteOffset: number, header?: Float64Array): IndexParts {
  if (byteOffset % 8 !== 0) throw new RangeError(`index byteOffset must be a multiple of 8, got ${byteOffset}`);
  if (buffer.byteLength - byteOffset < HEADER_BYTES) throw new TypeError('not a skyjoin index: buffer too short');
  const h = header ?? new Float64Array(buffer, byteOffset, HEADER_FLOATS);
  if (h[0] !== MAGIC) throw new TypeError('not a skyjoin index: bad magic number');
  if (h[1] !== FORMAT_VERSION) throw new TypeError(`unsupported skyjoin index format version ${h[1]}`);
  const n = h[5];
  const total = h[16];
  if (buffer.byteLength - byteOffset < total) {
    throw new TypeError(`truncated skyjoin index: ${buffer.byteLength - byteOffset} bytes, header says ${total}`);
  }
  const f64 = (i: number): Float64Array => new Float64Array(buffer, byteOffset + h[i], n);
  const runTable = { shift: h[6], base: h[7], size: h[8] };
  return {
    scheme: schemeFromHeader(h),
    runTable,
    keys: f64(10),
    x: f64(11),
    y: f64(12),
    z: f64(13),
    table: new Uint32Array(buffer, byteOffset + h[14], runTable.size + 1),
    rowIds: h[9] ? new Uint32Array(buffer, byteOffset + h[15], n) : null,
  };
}

export function indexByteLength(buffer: ArrayBufferLike, byteOffset = 0): number {
  return new Float64Array(buffer, byteOffset, HEADER_FLOATS)[16];
}
