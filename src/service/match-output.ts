// Crossmatch results as a stream of bytes in JSON, CSV or Arrow IPC, one
// chunk of sources at a time, so a million sources never become a million
// objects. Content negotiation by the Accept header.

import * as A from 'apache-arrow';
import type { ServedCatalog } from '../catalog/set.js';
import type { TextColumn } from '../catalog/text.js';
import type { Matches } from '../match/matches.js';
import { clip } from '../messages/quote.js';
import { NotAcceptable } from './errors.js';

export type OutFormat = 'json' | 'csv' | 'arrow';

export const CONTENT_TYPE: Record<OutFormat, string> = {
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  arrow: 'application/vnd.apache.arrow.stream',
};

/** The first acceptable format in the Accept header (JSON when absent or any). */
export function negotiate(accept: string | undefined): OutFormat {
  if (!accept) return 'json';
  const prefs = accept.split(',').map((p) => {
    const [type, ...params] = p.trim().toLowerCase().split(';');
    const q = params.map((s) => s.trim()).find((s) => s.startsWith('q='));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
  }).filter((p) => p.q > 0).sort((a, b) => b.q - a.q);
  for (const { type } of prefs) {
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
