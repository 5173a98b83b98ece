// Large plain CSV files on every core. The header is read here, the rest is
// cut into blocks of about 4 MiB at line ends, and the blocks are taken in
// turn from a shared counter by this thread and worker threads
// (csv-worker.ts), each doing a job with its block (csv-jobs.ts: keep its
// columns, or crossmatch its rows) and sending back typed arrays without
// copying. A worker takes ~60-100 ms to start, during which this thread is
// already reading: the work balances itself, and a file read before a worker
// is up never waits for it. Messages stay exact: each block counts its lines,
// so a bad row keeps its file line number.
//
// A line end can lie inside a quoted field. Each block but the first starts
// at a line end that the previous block must reach exactly when it reads its
// last record to its close; if one does not, the cut was inside a quoted
// field, and the caller reads the file on one thread instead.

import { closeSync, openSync, readSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { cannotOpen, CatalogInputError, type BadRow } from './csv-errors.js';
import { headerLayout, headerNames, type HeaderOptions } from './csv-header.js';
import { BlockJobs, type BlockResult, type JobKind, type MatchJob } from './csv-jobs.js';
import { newSpans, scanFields } from './csv-parse.js';
import type { RowLayout } from './csv-rows.js';
import { isGzipFile } from './csv-stream.js';

/** Files this large and up are read by several threads (unless `threads` says otherwise). */
export const PARALLEL_MIN_BYTES = 16 << 20;
/** The smallest share worth a thread of its own; also the size of the blocks threads take in turn. */
const BLOCK_BYTES = 4 << 20;
const MAX_THREADS = 16;
const HEADER_BYTES = 4 << 20;

export interface ReadPlan {
  size: number;
  gzip: boolean;
  /** 1: read on the calling thread. */
  threads: number;
  /** Default 4 MiB. */
  blockBytes?: number;
  /** Whether the calling thread reads blocks too (default true; tests turn it off to make the workers do all). */
  callerReads?: boolean;
}

/** How to read this file: its size, whether it is gzip, and on how many threads (1 for small, gzip, one core or `threads: 1`). */
export async function readPlan(file: string, opts: { threads?: number }): Promise<ReadPlan> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw cannotOpen(file, err);
  }
  const gzip = await isGzipFile(file);
  const asked = opts.threads;
  let threads = asked ?? Math.min(availableParallelism(), Math.floor(size / BLOCK_BYTES), MAX_THREADS);
  if (gzip || (asked === undefined && size < PARALLEL_MIN_BYTES)) threads = 1;
  return { size, gzip, threads: Math.max(1, threads) };
}

// The header and the cuts are read synchronously: a few small reads, and the
// workers get their cuts at once instead of after whatever else this thread
// is busy with (reading and indexing the other file).

/** The header (first record), where the data starts and how many lines the header took; null if not found whole. */
function readHeader(fd: number, size: number): { names: string[]; dataStart: number; lines: number } | null {
  const b = Buffer.alloc(Math.min(size, HEADER_BYTES));
  const bytesRead = readSync(fd, b, 0, b.length, 0);
  const spans = newSpans();
  const lines = { extra: 0 };
  const r = scanFields(b, 0, bytesRead, spans, bytesRead === size, lines);
  if (r < 0) return null; // unreadable or longer than we read: the one-thread reader reports it
  return { names: headerNames(b, spans), dataStart: r, lines: 1 + lines.extra };
}

/** Block starts: dataStart, then the first line start at or after each equal share of the rest. */
function cutPoints(fd: number, dataStart: number, size: number, n: number): number[] {
  const cuts = [dataStart];
  const b = Buffer.alloc(1 << 16);
  for (let k = 1; k < n; k++) {
    let at = Math.max(cuts[cuts.length - 1] + 1, dataStart + Math.floor(((size - dataStart) * k) / n));
    let cut = -1;
    while (cut < 0 && at < size) {
      const bytesRead = readSync(fd, b, 0, b.length, at);
      if (bytesRead === 0) break;
      const lf = b.subarray(0, bytesRead).indexOf(10);
      if (lf >= 0) cut = at + lf + 1;
      else at += bytesRead;
    }
    if (cut > cuts[cuts.length - 1] && cut < size) cuts.push(cut);
  }
  return cuts;
}

// The worker is the compiled .js beside this module; run from the TypeScript
// sources (tests), the .ts one, loaded through tsx.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './csv-worker.ts' : './csv-worker.js', import.meta.url);

function startWorker(workerData: unknown): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData });
  const load = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(WORKER_URL.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(load, { eval: true, workerData });
}

type WorkerMessage = { block: number; result: BlockResult } | { error: { name: string; message: string; bad: BadRow[] } };

export interface BlocksRead {
  layout: RowLayout;
  /** Lines before the data (the header's). */
  headerLines: number;
  cuts: number[];
  /** In file order; only those up to the first that stopped at maxErrors bad rows. */
  blocks: BlockResult[];
}

/**
 * Reads every block of a plain CSV file on `plan.threads` threads, keeping
 * their columns (kind 'columns') or matching their rows against the index
 * `matching` gives (kind 'match': it may still be building; the blocks are
 * read meanwhile and matched when it comes). Null when the file must be read
 * on one thread instead: its header could not be read whole, or a cut fell
 * inside a quoted field.
 */
export async function runBlocks(
  file: string, opts: HeaderOptions & { onProgress?: (rows: number, bytes: number) => void }, plan: ReadPlan,
  kind: JobKind, matching?: Promise<MatchJob>,
): Promise<BlocksRead | null> {
  let job: MatchJob | null = null;
  let jobFailed: unknown = null;
  const ready = matching?.then((j) => { job = j; }, (err) => { jobFailed = err; });
  const next = new Int32Array(new SharedArrayBuffer(4));
  let results: Array<BlockResult | undefined> = [];
  let missing = Infinity;
  let rows = 0;
  let failed: unknown = null;
  let wake: (() => void) | null = null;
  const settle = () => { if (wake && (missing === 0 || failed)) wake(); };
  const callerReads = plan.callerReads ?? true;
  // The workers start first: they take ~100 ms to boot, time in which the
  // header and the cuts are found here (and, for a match, the index built).
  const workers = Array.from({ length: callerReads ? plan.threads - 1 : plan.threads }, () => {
    const w = startWorker({ kind, file, size: plan.size, next });
    w.on('message', (m: WorkerMessage) => {
      if ('result' in m) { results[m.block] = m.result; missing--; rows += m.result.rows; } else {
        failed = m.error.name === 'CatalogInputError' ? new CatalogInputError(file, m.error.bad, m.error.message) : new Error(m.error.message);
      }
      settle();
    });
    w.on('error', (err) => { failed = err; settle(); });
    w.on('exit', (code) => { if (code !== 0 && missing > 0 && !failed) { failed = new Error(`a CSV reader thread for ${file} stopped (exit code ${code})`); settle(); } });
    return w;
  });
  let layout: RowLayout, cuts: number[], headerLines: number;
  try {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      throw cannotOpen(file, err);
    }
    let head;
    try {
      head = readHeader(fd, plan.size);
      if (!head) return null;
      layout = headerLayout(file, opts, head.names);
      headerLines = head.lines;
      const blocks = Math.ceil((plan.size - head.dataStart) / (plan.blockBytes ?? BLOCK_BYTES));
      cuts = cutPoints(fd, head.dataStart, plan.size, Math.max(plan.threads, blocks));
    } finally {
      closeSync(fd);
    }
    results = new Array(cuts.length);
    missing = cuts.length;
    for (const w of workers) w.postMessage({ cuts, layout });
    const jobs = new BlockJobs(kind, file, cuts, plan.size, layout);
    let posted = false;
    const post = () => {
      if (posted || !job) return;
      posted = true;
      for (const w of workers) w.postMessage(job);
      jobs.setMatch(job);
    };
    const collect = () => {
      for (const d of jobs.done()) {
        results[d.block] = d.result;
        missing--;
        rows += d.result.rows;
        opts.onProgress?.(rows, d.result.consumedEnd);
      }
    };
    // This thread reads blocks too, yielding between them so other reads, the
    // index being built and the workers' messages go on.
    for (let k = callerReads ? Atomics.add(next, 0, 1) : cuts.length; k < cuts.length && !failed && !jobFailed; k = Atomics.add(next, 0, 1)) {
      jobs.read(k);
      post();
      collect();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (ready) await ready;
    if (jobFailed) throw jobFailed;
    post();
    collect();
    if (missing > 0 && !failed) await new Promise<void>((resolve) => { wake = resolve; });
  } finally {
    // Workers still starting have nothing left to do: they are not waited for.
    for (const w of workers) void w.terminate();
  }
  if (failed) throw failed;
  // Each block must end where the next begins, unless it stopped at maxErrors bad rows.
  const all = results as BlockResult[];
  let used = all.length;
  for (let k = 1; k < all.length; k++) {
    if (all[k - 1].stopped) { used = k; break; }
    if (all[k - 1].consumedEnd !== cuts[k]) return null;
  }
  opts.onProgress?.(rows, plan.size);
  return { layout, headerLines, cuts, blocks: all.slice(0, used) };
}

/** The bad rows of all blocks on their file lines, in file order. */
export function blockBadRows(read: BlocksRead): BadRow[] {
  const bad: BadRow[] = [];
  let linesBefore = read.headerLines;
  for (const b of read.blocks) {
    for (const r of b.bad) bad.push({ ...r, line: r.line + linesBefore });
    linesBefore += b.lines;
  }
  return bad;
}
