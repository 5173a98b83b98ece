// A reading of ZTF alerts that materialises only the fields the pipeline
// uses. A ZTF packet carries ~100 candidate fields and ~30 history entries of
// ~60 fields each: decoding every one allocates thousands of properties per
// alert that nothing reads. Avro schema resolution with a reader schema that
// lists only the needed fields skips the others in place (the bytes are
// still walked, so the raw record and its offsets are exactly as before).

import avro from 'avsc';
import { typeOf, typeWithHooks } from './avro-types.js';
import { compileSkimReader, type SkimRead } from './skim-reader.js';

/** Fields kept per ZTF record (by the record's own name, any namespace). */
const KEEP: Record<string, ReadonlySet<string>> = {
  alert: new Set(['schemavsn', 'objectId', 'candid', 'candidate', 'prv_candidates', 'fp_hists', 'cutoutScience', 'cutoutTemplate', 'cutoutDifference']),
  // The scores and neighbours users' filters read (src/filters/fields.ts) are kept too.
  candidate: new Set(['jd', 'fid', 'ra', 'dec', 'magpsf', 'sigmapsf', 'isdiffpos', 'programid', 'candid', 'rb', 'drb', 'sgscore1', 'distpsnr1', 'ssdistnr', 'ndethist']),
  prv_candidate: new Set(['jd', 'fid', 'candid', 'ra', 'dec', 'magpsf', 'sigmapsf', 'isdiffpos', 'diffmaglim']),
  fp_hist: new Set(['jd', 'fid', 'forcediffimflux', 'forcediffimfluxunc', 'diffmaglim']),
};

function shortName(name: unknown): string {
  return typeof name === 'string' ? name.slice(name.lastIndexOf('.') + 1) : '';
}

/** The writer schema with the unread fields of ZTF's records removed. */
function readerSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(readerSchema);
  if (!s || typeof s !== 'object') return s;
  const o = { ...(s as Record<string, unknown>) };
  if (o.type === 'record' && Array.isArray(o.fields)) {
    const keep = KEEP[shortName(o.name)];
    const fields = (o.fields as Array<Record<string, unknown>>).filter((f) => !keep || keep.has(f.name as string));
    o.fields = fields.map((f) => ({ ...f, type: readerSchema(f.type) }));
  }
  for (const k of ['items', 'values']) if (k in o) o[k] = readerSchema(o[k]);
  if (o.type && typeof o.type === 'object') o.type = readerSchema(o.type);
  return o;
}

export interface Skim {
  type: avro.Type;
  resolver: ReturnType<avro.Type['createResolver']>;
  /** The same reading, compiled (null when the schema has a type it does not handle). */
  read: SkimRead | null;
}

const cache = new Map<string, Skim | null>();

/** The skimming reader of a ZTF writer schema (null for other schemas, or when resolution fails: read in full). */
export function skimOf(schemaText: string): Skim | null {
  if (cache.has(schemaText)) return cache.get(schemaText)!;
  let skim: Skim | null = null;
  const writer = typeOf(schemaText);
  if (shortName((writer as unknown as { name?: string }).name) === 'alert' && /"name"\s*:\s*"(ztf\.alert\.)?candidate"/.test(schemaText)) {
    try {
      const type = typeWithHooks(readerSchema(JSON.parse(schemaText)));
      skim = { type, resolver: type.createResolver(writer), read: compileSkimReader(writer, (name) => KEEP[name]) };
    } catch {
      skim = null;
    }
  }
  cache.set(schemaText, skim);
  return skim;
}
