// Crossmatch results as a stream of bytes in JSON, CSV or Arrow IPC, one
// chunk of sources at a time, so a million sources never become a million
// objects. Content negotiation by the Accept header.

import * as A from 'apache-arrow';
import type { ServedCatalog } from '../catalog/set.js';
import type { TextColumn } from '../catalog/text.js';
import type { Matches } from '../match/matches.js';
import { clip } from '../messages/quote.js';
import { NotAcceptable } from './errors.js';
import { VoTableWriter, type VoField } from '../catalog/votable-write.js';
import { fitsChunks } from '../catalog/fits-write.js';
import { newColumn, settleValid, type Column, type ColumnTable } from '../catalog/table.js';

export type OutFormat = 'json' | 'csv' | 'arrow' | 'votable' | 'votable-binary2' | 'fits';

export const CONTENT_TYPE: Record<OutFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  arrow: 'application/vnd.apache.arrow.stream',
  votable: 'application/x-votable+xml; charset=utf-8',
  'votable-binary2': 'application/x-votable+xml; serialization=BINARY2; charset=utf-8',
  fits: 'application/fits',
};

/** The first acceptable format in the Accept header (JSON when absent or any). */
export function negotiate(accept: string | undefined): OutFormat {
  if (!accept) return 'json';
  const prefs = accept.split(',').map((p) => {
    const [type, ...params] = p.trim().toLowerCase().split(';');
    const q = params.map((s) => s.trim()).find((s) => s.startsWith('q='));
    const binary2 = params.some((s) => s.replace(/\s/g, '') === 'serialization=binary2');
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1, binary2 };
  }).filter((p) => p.q > 0).sort((a, b) => b.q - a.q);
  for (const { type, binary2 } of prefs) {
    if (type === 'application/x-votable+xml' || type === 'application/votable+xml') return binary2 ? 'votable-binary2' : 'votable';
    if (type === 'application/fits' || type === 'image/fits') return 'fits';
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return 'json';
    if (type === 'text/csv' || type === 'text/*') return 'csv';
    if (type === 'application/vnd.apache.arrow.stream' || type === 'application/vnd.apache.arrow.file') return 'arrow';
  }
  throw new NotAcceptable(clip(accept));
}

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'bigint' ? v.toString() : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function jsonValue(v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

const PAIR_FIELDS = (cat: ServedCatalog, cols: readonly string[]): VoField[] => [
  { name: 'source_id', type: 'utf8', ucd: 'meta.id', description: 'Source id, as sent' },
  { name: 'catalog_id', type: 'utf8', ucd: 'meta.id.cross', description: `Row id in catalog ${cat.name}` },
  { name: 'sep_arcsec', type: 'float64', unit: 'arcsec', ucd: 'pos.angDistance', description: 'Angular separation' },
  ...cols.map((c): VoField => ({ name: c, type: cat.catalog.info.columns.find((x) => x.name === c)?.type ?? 'utf8' })),
];

/** One chunk of matches as columns (source_id, catalog_id, sep_arcsec, the requested columns). */
function chunkColumns(fields: readonly VoField[], sourceIds: TextColumn, catIds: TextColumn, m: Matches, vectors: A.Vector[]): Column[] {
  const n = m.length;
  const out: Column[] = [
    { name: 'source_id', type: 'utf8', values: Array.from(m.probe, (p) => sourceIds.get(p)) },
    { name: 'catalog_id', type: 'utf8', values: Array.from(m.row, (r) => catIds.get(r)) },
    { name: 'sep_arcsec', type: 'float64', values: m.sepArcsec.subarray(0, n) },
  ];
  vectors.forEach((v, k) => {
    const f = fields[k + 3];
    const col = newColumn(f.name, f.type, n);
    const valid = col.valid!;
    for (let i = 0; i < n; i++) {
      const x = v.get(m.row[i]) as number | bigint | string | boolean | null;
      if (x === null || x === undefined) continue;
      valid[i] = 1;
      if (f.type === 'bool') (col.values as Uint8Array)[i] = x ? 1 : 0;
      else if (f.type === 'int64') (col.values as BigInt64Array)[i] = BigInt(x as number | bigint);
      else if (f.type === 'utf8') (col.values as string[])[i] = String(x);
      else (col.values as Float64Array)[i] = Number(x);
    }
    out.push(settleValid(col));
  });
  return out;
}

/** One chunk of results: the matches of sources [start, start + ids.length). */
export interface MatchChunk {
  sourceIds: TextColumn;
  matches: Matches;
}

export interface MatchStreamHead {
  catalog: ServedCatalog;
  columns: readonly string[];
  meta: Record<string, unknown>;
}

/**
 * Serialises chunks. `next` is written at the end (JSON) or must be sent in a
 * header by the caller (CSV, Arrow).
 */
export async function* matchBytes(
  format: OutFormat, head: MatchStreamHead, chunks: AsyncIterable<MatchChunk> | Iterable<MatchChunk>, tail: () => Record<string, unknown>,
): AsyncGenerator<string | Uint8Array> {
  const cat = head.catalog.catalog;
  const cols = head.columns;
  const vectors = cols.map((c) => cat.column(c)!);
  const catIds = cat.ids();
  if (format === 'json') {
    yield `${JSON.stringify(head.meta).slice(0, -1)}${Object.keys(head.meta).length ? ',' : ''}"matches":[`;
    let first = true;
    for await (const { sourceIds, matches: m } of chunks) {
      const parts: string[] = [];
      for (let i = 0; i < m.length; i++) {
        const o: Record<string, unknown> = { source_id: sourceIds.get(m.probe[i]), catalog_id: catIds.get(m.row[i]), sep_arcsec: m.sepArcsec[i] };
        for (let k = 0; k < cols.length; k++) o[cols[k]] = jsonValue(vectors[k].get(m.row[i]));
        parts.push(JSON.stringify(o));
      }
      if (parts.length) {
        yield (first ? '' : ',') + parts.join(',');
        first = false;
      }
    }
    const t = tail();
    yield `]${Object.keys(t).length ? ',' : ''}${JSON.stringify(t).slice(1)}`;
    return;
  }
  if (format === 'votable' || format === 'votable-binary2') {
    // TOPCAT-style: one TABLE, FIELDs with units and UCDs, rows as they are matched.
    const fields = PAIR_FIELDS(head.catalog, cols);
    const w = new VoTableWriter(fields, format === 'votable' ? 'tabledata' : 'binary2', 'matches',
      `skyjoin matches: ${Object.entries(head.meta).map(([k, v]) => `${k}=${String(v)}`).join(', ')}`);
    yield w.head();
    for await (const { sourceIds, matches: m } of chunks) if (m.length) yield w.rows(chunkColumns(fields, sourceIds, catIds, m, vectors), 0, m.length);
    yield w.tail();
    return;
  }
  if (format === 'fits') {
    // FITS states its row count and string widths first: the pairs are gathered, then written in chunks.
    const fields = PAIR_FIELDS(head.catalog, cols);
    const parts: Column[][] = [];
    for await (const { sourceIds, matches: m } of chunks) if (m.length) parts.push(chunkColumns(fields, sourceIds, catIds, m, vectors));
    const table = concatColumns(fields, parts);
    yield* fitsChunks(table, { units: { sep_arcsec: 'arcsec' }, extname: 'MATCHES', integerColumns: ['source_id', 'catalog_id'] });
    return;
  }
  if (format === 'csv') {
    yield `${['source_id', 'catalog_id', 'sep_arcsec', ...cols].map(csvCell).join(',')}\n`;
    for await (const { sourceIds, matches: m } of chunks) {
      const lines: string[] = [];
      for (let i = 0; i < m.length; i++) {
        let line = `${csvCell(sourceIds.get(m.probe[i]))},${csvCell(catIds.get(m.row[i]))},${m.sepArcsec[i]}`;
        for (let k = 0; k < cols.length; k++) line += `,${csvCell(vectors[k].get(m.row[i]))}`;
        lines.push(line);
      }
      if (lines.length) yield `${lines.join('\n')}\n`;
    }
    return;
  }
  // Arrow IPC stream: the schema message once, then one record batch per
  // chunk, then the end-of-stream marker (the IPC stream format).
  let wroteSchema = false;
  const emptyTable = () => new A.Table({
    source_id: A.vectorFromArray([], new A.Utf8()), catalog_id: A.vectorFromArray([], new A.Utf8()),
    sep_arcsec: A.makeVector(new Float64Array(0)),
    ...Object.fromEntries(cols.map((c, k) => [c, A.vectorFromArray([], vectors[k].type)])),
  });
  for await (const { sourceIds, matches: m } of chunks) {
    if (m.length === 0) continue;
    const fields: Record<string, A.Vector> = {
      source_id: A.vectorFromArray(Array.from(m.probe, (p) => sourceIds.get(p)), new A.Utf8()),
      catalog_id: A.vectorFromArray(Array.from(m.row, (r) => catIds.get(r)), new A.Utf8()),
      sep_arcsec: A.makeVector(m.sepArcsec),
    };
    cols.forEach((c, k) => {
      fields[c] = A.vectorFromArray(Array.from(m.row, (r) => vectors[k].get(r)), vectors[k].type);
    });
    const bytes = A.tableToIPC(new A.Table(fields), 'stream');
    const schemaLen = messageLength(bytes, 0);
    yield bytes.subarray(wroteSchema ? schemaLen : 0, bytes.byteLength - EOS.byteLength);
    wroteSchema = true;
  }
  if (!wroteSchema) {
    const bytes = A.tableToIPC(emptyTable(), 'stream');
    yield bytes.subarray(0, bytes.byteLength - EOS.byteLength);
  }
  yield EOS;
}

/** End of an IPC stream: continuation marker and a zero length. */
const EOS = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/** Length of the (body-less) message at `at`: marker, length, metadata. */
function messageLength(bytes: Uint8Array, at: number): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at);
  return 8 + dv.getInt32(4, true);
}

/** Chunks of columns joined into one table. */
function concatColumns(fields: readonly VoField[], parts: Column[][]): ColumnTable {
  const n = parts.reduce((s, p) => s + p[0].values.length, 0);
  const columns = fields.map((f, k): Column => {
    const col = newColumn(f.name, f.type, n);
    let at = 0;
    for (const p of parts) {
      const c = p[k], len = c.values.length;
      if (Array.isArray(col.values)) for (let i = 0; i < len; i++) (col.values as string[])[at + i] = (c.values as string[])[i];
      else (col.values as Float64Array).set(c.values as Float64Array, at);
      if (c.valid) col.valid!.set(c.valid, at); else col.valid!.fill(1, at, at + len);
      at += len;
    }
    return settleValid(col);
  });
  return { length: n, columns };
}
