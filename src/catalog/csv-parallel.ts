// Large plain CSV files on every core: the header is read here, the rest is
// cut into blocks at line ends, and the blocks are read by this thread and
// worker threads (csv-worker.ts) into typed columns that come back without
// copying and are joined in file order. Messages stay exact: each block
// counts its lines, so a bad row keeps its file line number.
//
// A line end can lie inside a quoted field. Each block but the first starts
// at a line end that the previous block must reach exactly when it reads its
// last record to its close; if it does not, the cut was inside a quoted
// field and the file is read again on one thread (null is returned).

import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { badRowsError, cannotOpen, CatalogInputError, type BadRow } from './csv-errors.js';
import { newSpans, scanFields } from './csv-parse.js';
import { joinParts, RowReader, type RowLayout, type RowParts } from './csv-rows.js';
import type { PositionTable, ReadOptions } from './csv.js';
import { headerLayout, headerNames } from './csv-header.js';
import { isGzipFile, scanFileRange, type RangeScan } from './csv-stream.js';

/** Files this large and up are read by several threads (unless `threads` says otherwise). */
export const PARALLEL_MIN_BYTES = 16 << 20;
/** The smallest share worth a thread of its own; also the size of the blocks threads take in turn. */
const MIN_RANGE_BYTES = 4 << 20;
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
export async function readPlan(file: string, opts: ReadOptions): Promise<ReadPlan> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw cannotOpen(file, err);
  }
  const gzip = await isGzipFile(file);
  const asked = opts.threads;
  let threads = asked ?? Math.min(availableParallelism(), Math.floor(size / MIN_RANGE_BYTES), MAX_THREADS);
  if (gzip || (asked === undefined && size < PARALLEL_MIN_BYTES)) threads = 1;
  return { size, gzip, threads: Math.max(1, threads) };
}

/** The header (first record), where the data starts and how many lines the header took; null if not found whole. */
async function readHeader(file: string, size: number): Promise<{ names: string[]; dataStart: number; lines: number } | null> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(Math.min(size, HEADER_BYTES));
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    const spans = newSpans();
    const lines = { extra: 0 };
    const r = scanFields(b, 0, bytesRead, spans, bytesRead === size, lines);
    if (r < 0) return null; // unreadable or longer than we read: the one-thread reader reports it
    return { names: headerNames(b, spans), dataStart: r, lines: 1 + lines.extra };
  } finally {
    await fh.close();
  }
}

/** Range starts: dataStart, then the first line start at or after each equal share of the rest. */
async function cutPoints(file: string, dataStart: number, size: number, n: number): Promise<number[]> {
  const fh = await open(file, 'r');
  const cuts = [dataStart];
  try {
    const b = Buffer.alloc(1 << 16);
    for (let k = 1; k < n; k++) {
      let at = Math.max(cuts[cuts.length - 1] + 1, dataStart + Math.floor(((size - dataStart) * k) / n));
      let cut = -1;
      while (cut < 0 && at < size) {
        const { bytesRead } = await fh.read(b, 0, b.length, at);
        if (bytesRead === 0) break;
        const lf = b.subarray(0, bytesRead).indexOf(10);
        if (lf >= 0) cut = at + lf + 1;
        else at += bytesRead;
      }
      if (cut > cuts[cuts.length - 1] && cut < size) cuts.push(cut);
    }
  } finally {
    await fh.close();
  }
  return cuts;
}

/** One block's records, read by the main thread or a worker. */
export interface BlockResult extends RangeScan {
  parts: RowParts;
}

/** Reads block k of the cuts: the records that start in [cuts[k], cuts[k + 1]). */
export function readBlock(file: string, cuts: number[], size: number, k: number, layout: RowLayout): BlockResult {
  const start = cuts[k], end = k + 1 < cuts.length ? cuts[k + 1] : size;
  const reader = new RowReader(layout, end - start);
  const scan = scanFileRange(file, start, end, reader);
  return { ...scan, parts: reader.parts() };
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

/**
 * Reads a large plain CSV file on `plan.threads` threads; the same result and
 * errors as the one-thread reader. Null when that reader must do it instead
 * (header not found whole, a cut inside a quoted field).
 *
 * The file is cut into blocks of about 4 MiB; this thread and the workers
 * take the next block from a shared counter until none is left. A worker
 * takes ~60-100 ms to start, during which this thread is already reading:
 * the work balances itself, and a file read before a worker is up never
 * waits for it.
 */
export async function readCsvParallel(file: string, opts: ReadOptions, plan: ReadPlan): Promise<PositionTable | null> {
  const head = await readHeader(file, plan.size);
  if (!head) return null;
  const layout = headerLayout(file, opts, head.names);
  const blocks = Math.ceil((plan.size - head.dataStart) / (plan.blockBytes ?? BLOCK_BYTES));
  const cuts = await cutPoints(file, head.dataStart, plan.size, Math.max(plan.threads, blocks));
  const results: Array<BlockResult | undefined> = new Array(cuts.length);
  const next = new Int32Array(new SharedArrayBuffer(4));
  let missing = cuts.length;
  let rows = 0;
  let failed: unknown = null;
  let wake: (() => void) | null = null;
  const settle = () => { if (wake && (missing === 0 || failed)) wake(); };
  const callerReads = plan.callerReads ?? true;
  const workers = Array.from({ length: callerReads ? plan.threads - 1 : plan.threads }, () => {
    const w = startWorker({ file, cuts, size: plan.size, layout, next });
    w.on('message', (m: WorkerMessage) => {
      if ('result' in m) { results[m.block] = m.result; missing--; rows += m.result.parts.rows; } else {
        failed = m.error.name === 'CatalogInputError' ? new CatalogInputError(file, m.error.bad, m.error.message) : new Error(m.error.message);
      }
      settle();
    });
    w.on('error', (err) => { failed = err; settle(); });
    w.on('exit', (code) => { if (code !== 0 && missing > 0 && !failed) { failed = new Error(`a CSV reader thread for ${file} stopped (exit code ${code})`); settle(); } });
    return w;
  });
  try {
    // This thread reads blocks too, yielding between them so other reads (and the workers' messages) go on.
    for (let k = callerReads ? Atomics.add(next, 0, 1) : cuts.length; k < cuts.length && !failed; k = Atomics.add(next, 0, 1)) {
      results[k] = readBlock(file, cuts, plan.size, k, layout);
      missing--;
      rows += results[k]!.parts.rows;
      opts.onProgress?.(rows, results[k]!.consumedEnd);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (missing > 0 && !failed) await new Promise<void>((resolve) => { wake = resolve; });
  } finally {
    // Workers still starting have nothing left to do: they are not waited for.
    for (const w of workers) void w.terminate();
  }
  if (failed) throw failed;
  return joinBlocks(file, opts, layout, head.lines, cuts, results as BlockResult[], plan.size);
}

/** The blocks' rows in file order, their bad rows on their file lines; null if a cut fell inside a quoted field. */
function joinBlocks(file: string, opts: ReadOptions, layout: RowLayout, headerLines: number, cuts: number[], blocks: BlockResult[], size: number): PositionTable | null {
  // Each block must end where the next begins, unless it stopped at maxErrors bad rows.
  let used = blocks.length;
  for (let k = 1; k < blocks.length; k++) {
    if (blocks[k - 1].stopped) { used = k; break; }
    if (blocks[k - 1].consumedEnd !== cuts[k]) return null;
  }
  const bad: BadRow[] = [];
  let linesBefore = headerLines;
  for (const r of blocks.slice(0, used)) {
    for (const b of r.parts.bad) bad.push({ ...b, line: b.line + linesBefore });
    linesBefore += r.lines;
  }
  if (layout.failFast && bad.length > 0) throw badRowsError(file, bad, layout.maxErrors, bad.length >= layout.maxErrors);
  const joined = joinParts(layout, blocks.slice(0, used).map((r) => r.parts));
  opts.onProgress?.(joined.rows, size);
  return { ids: joined.ids, ra: joined.ra, dec: joined.dec, extra: { length: joined.rows, columns: joined.kept }, rows: joined.rows, bad };
}
