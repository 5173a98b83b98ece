// A canonical dump of a stream store (objects, aliases, detections,
// non-detections, counts, archive records, Parquet rows) to compare runs.

import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { readContainer } from '../../src/stream/decoding/container.js';
import { StreamStore } from '../../src/stream/store.js';

function walk(dir: string, ext: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) out.push(...walk(p, ext));
    else if (f.endsWith(ext)) out.push(p);
  }
  return out;
}

export async function dumpStream(dataDir: string, instance?: string): Promise<Record<string, unknown>> {
  const store = StreamStore.at(dataDir, instance);
  try {
    const objects = [...store.objects.entries()].map((o) => ({ ...o, data: { ...o.data, aliases: [...o.data.aliases].sort() } }));
    const detections = Array.from(store.detections.getRange({}), ({ key, value }) => [key, value]);
    const nondet = Array.from(store.nondet.getRange({}), ({ key, value }) => [key, value]);
    const aliases = Array.from(store.aliases.getRange({}), ({ key, value }) => [key, value]);
    const counts = store.counts();
    const archived: string[] = [];
    for (const f of walk(path.join(store.dir, 'archive'), '.avro')) {
      const { raws } = readContainer(readFileSync(f));
      for (const r of raws) archived.push(Buffer.from(r).toString('base64'));
    }
    const parquetRows: string[] = [];
    for (const f of walk(path.join(store.dir, 'parquet'), '.parquet')) {
      const rows = await parquetReadObjects({ file: await asyncBufferFromFile(f) });
      for (const r of rows) parquetRows.push(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    }
    const cutouts = walk(path.join(store.dir, 'cutouts'), '.gz').map((f) => path.relative(store.dir, f));
    return { objects, detections, nondet, aliases, counts, archived: archived.sort(), parquetRows: parquetRows.sort(), cutouts };
  } finally {
    await store.close();
  }
}

/**
 * The same dump with skyjoin's object ids replaced by each object's sorted
 * survey aliases: object ids are handed out in arrival order, which differs
 * between one consumer and several, while everything they identify must not.
 */
export function withoutObjectIds(dump: Record<string, unknown>): Record<string, unknown> {
  const objects = dump.objects as Array<{ id: number; ra: number; dec: number; data: Record<string, unknown> & { aliases: string[] } }>;
  const name = new Map<number, string>(objects.map((o) => [o.id, o.data.aliases.join('|')]));
  const of = (id: unknown) => name.get(Number(id)) ?? `unknown:${String(id)}`;
  const byName = (a: { k: string }, b: { k: string }) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
  return {
    ...dump,
    objects: objects.map((o) => ({ k: of(o.id), v: { ...o, id: 0, data: { ...o.data, id: 0 } } })).sort(byName),
    detections: (dump.detections as Array<[unknown, Record<string, unknown>]>).map(([k, v]) => [k, { ...v, objectId: of(v.objectId) }]),
    nondet: (dump.nondet as Array<[unknown[], Record<string, unknown>]>).map(([k, v]) => ({ k: JSON.stringify([of(k[0]), ...k.slice(1)]), v: { ...v, objectId: of(v.objectId) } })).sort(byName),
    aliases: (dump.aliases as Array<[unknown, unknown]>).map(([k, v]) => [k, of(v)]),
    parquetRows: (dump.parquetRows as string[]).map((r) => {
      const o = JSON.parse(r) as Record<string, unknown>;
      return JSON.stringify({ ...o, object_id: of(o.object_id) });
    }).sort(),
  };
}
