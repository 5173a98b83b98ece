// `--from file:PATH`: a folder of .avro files (searched recursively, in
// sorted order) or one container file. Each file is one message, and its own
// "partition" for progress: a restart skips the files already committed.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SourceMessage } from '../stage.js';

function listAvro(p: string): string[] {
  const st = statSync(p);
  if (st.isFile()) return [p];
  const out: string[] = [];
  for (const f of readdirSync(p).sort()) {
    const q = path.join(p, f);
    if (statSync(q).isDirectory()) out.push(...listAvro(q));
    else if (f.endsWith('.avro')) out.push(q);
  }
  return out;
}

export function fileSourceFiles(p: string): string[] {
  return listAvro(p);
}

/** Messages of the files, in batches of about `batchSize` files. */
export function* fileBatches(root: string, batchSize = 200): Generator<SourceMessage[]> {
  const files = listAvro(root);
  const base = statSync(root).isFile() ? path.dirname(root) : root;
  for (let i = 0; i < files.length; i += batchSize) {
    yield files.slice(i, i + batchSize).map((f) => ({
      topic: `file:${path.relative(base, f)}`, partition: 0, offset: 0n, value: readFileSync(f), origin: f,
    }));
  }
}
