// Benchmark output: every suite prints a table and writes JSON (with the
// machine and Node version) to bench/results/, so runs can be compared.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const RESULTS_DIR = path.resolve(process.env.SKYJOIN_BENCH_OUT ?? 'bench/results');

export function machine(): Record<string, string | number> {
  const cpus = os.cpus();
  return {
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
  };
}

export type Row = Record<string, string | number>;

export function table(rows: Row[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0]);
  const cell = (v: string | number): string =>
    typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v;
  const head = `| ${cols.join(' | ')} |`;
  const sep = `| ${cols.map(() => '---').join(' | ')} |`;
  const body = rows.map((r) => `| ${cols.map((c) => cell(r[c] ?? '')).join(' | ')} |`);
  return [head, sep, ...body].join('\n');
}

/** Prints the table and writes bench/results/<name>.json and <name>.md. */
export function report(name: string, title: string, rows: Row[], extra: Record<string, unknown> = {}): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const md = `## ${title}\n\n${table(rows)}\n\nMachine: ${JSON.stringify(machine())}\n`;
  console.log(`\n${md}`);
  writeFileSync(path.join(RESULTS_DIR, `${name}.md`), md);
  writeFileSync(
    path.join(RESULTS_DIR, `${name}.json`),
    `${JSON.stringify({ name, title, date: new Date().toISOString(), machine: machine(), rows, ...extra }, null, 2)}\n`,
  );
}

/** Median and percentiles of a sample. */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))));
  return sorted[i];
}

/** Best-of-n wall time in ms of fn (after one warm-up run). */
export function timeBest(fn: () => unknown, runs = 3): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}
