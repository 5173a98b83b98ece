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
