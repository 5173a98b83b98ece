// A worker thread of csv-blocks.ts: takes blocks of a CSV file from the
// shared counter until none is left and sends each block's result back
// (buffers transferred, not copied). The cuts come in a first message; a
// match job's index in a later one, when it is built: blocks read before it
// wait for it.

import { once } from 'node:events';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { BlockJobs, type JobKind, type MatchJob } from './csv-jobs.js';
import type { RowLayout } from './csv-rows.js';

const { kind, file, size, next } = workerData as { kind: JobKind; file: string; size: number; next: Int32Array };
const port = parentPort!;
// No top-level await: this file is also built as CommonJS (dist/cjs).
async function work(): Promise<void> {
  // Started before the file was cut: the cuts and the header's layout come first.
  const [{ cuts, layout }] = (await once(port, 'message')) as [{ cuts: number[]; layout: RowLayout }];
  const jobs = new BlockJobs(kind, file, cuts, size, layout);

  function send(): void {
    for (const d of jobs.done()) port.postMessage({ block: d.block, result: d.result }, d.transfer);
  }

  try {
    for (let k = Atomics.add(next, 0, 1); k < cuts.length; k = Atomics.add(next, 0, 1)) {
      jobs.read(k);
      if (!jobs.hasJob) {
        const m = receiveMessageOnPort(port as unknown as MessagePort);
        if (m) jobs.setMatch(m.message as MatchJob);
      }
      send();
    }
    if (!jobs.hasJob) jobs.setMatch(((await once(port, 'message')) as [MatchJob])[0]);
    send();
  } catch (err) {
    const e = err as Error & { bad?: unknown };
    port.postMessage({ error: { name: e.name, message: e.message, bad: e.bad ?? [] } });
  }
  port.close();
}

void work();
