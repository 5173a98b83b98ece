// A worker thread of csv-parallel.ts: takes blocks of a CSV file from the
// shared counter until none is left, and sends each block's columns back
// (buffers transferred, not copied).

import { parentPort, workerData } from 'node:worker_threads';
import { readBlock, type BlockResult } from './csv-parallel.js';
import type { RowLayout } from './csv-rows.js';

const { file, cuts, size, layout, next } = workerData as { file: string; cuts: number[]; size: number; layout: RowLayout; next: Int32Array };
const port = parentPort!;

function transferList(r: BlockResult): ArrayBuffer[] {
  const p = r.parts;
  return [p.idOffsets.buffer, p.idData.buffer, p.ra.buffer, p.dec.buffer,
    ...p.kept.flatMap((k) => [k.offsets.buffer, k.data.buffer, k.valid.buffer, ...(k.nums ? [k.nums.buffer] : [])])] as ArrayBuffer[];
}

try {
  for (let k = Atomics.add(next, 0, 1); k < cuts.length; k = Atomics.add(next, 0, 1)) {
    const result = readBlock(file, cuts, size, k, layout);
    port.postMessage({ block: k, result }, transferList(result));
  }
} catch (err) {
  const e = err as Error & { bad?: unknown };
  port.postMessage({ error: { name: e.name, message: e.message, bad: e.bad ?? [] } });
}
