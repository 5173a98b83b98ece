// A flat Parquet table of detections per night (DATA/parquet/NIGHT/part-*.parquet)
// for DuckDB or Spark. Parts gather the rows of many batches and are written
// after those batches commit; each batch leaves a marker in its transaction,
// removed once its part is on disk, so a part lost to a crash is rewritten
// from the store at the next start.

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeParquetTable } from '../catalog/parquet.js';
import type { DetectionRecord, StreamStore } from './store.js';

function table(rows: DetectionRecord[]) {
  // One pass over the rows into typed columns (this runs for every detection stored).
  const n = rows.length;
  const alertId = new BigInt64Array(n), objectId = new BigInt64Array(n);
  const survey: string[] = new Array(n), night: string[] = new Array(n), band: string[] = new Array(n), from: string[] = new Array(n);
  const names = ['mjd', 'ra', 'dec', 'mag', 'magErr', 'flux', 'fluxErr'] as const;
  const values = names.map(() => new Float64Array(n));
  const valid = names.map(() => new Uint8Array(n));
  const missing = names.map(() => false);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    alertId[i] = BigInt(r.alertId);
    objectId[i] = BigInt(r.objectId);
    survey[i] = r.survey; night[i] = r.night; band[i] = r.band; from[i] = r.from;
    for (let k = 0; k < names.length; k++) {
      const v = r[names[k]];
      if (v === undefined) { values[k][i] = NaN; missing[k] = true; } else { values[k][i] = v; valid[k][i] = 1; }
    }
  }
  const f64 = (k: number, name: string) => ({ name, type: 'float64' as const, values: values[k], valid: missing[k] ? valid[k] : undefined });
  return {
    length: n,
    columns: [
      // ZTF candid and Rubin diaSourceId are signed 64-bit in their schemas: int64 is exact, and half the cost of text.
      { name: 'alert_id', type: 'int64' as const, values: alertId },
      { name: 'object_id', type: 'int64' as const, values: objectId },
      { name: 'survey', type: 'utf8' as const, values: survey },
      { name: 'night', type: 'utf8' as const, values: night },
      f64(0, 'mjd'),
      { name: 'band', type: 'utf8' as const, values: band },
      f64(1, 'ra'), f64(2, 'dec'), f64(3, 'mag'), f64(4, 'mag_err'), f64(5, 'flux'), f64(6, 'flux_err'),
      { name: 'from', type: 'utf8' as const, values: from },
    ],
  };
}

export interface ParquetPartOptions {
  /** Write a part once this many detections are buffered (default 100,000)... */
  rowsPerPart?: number;
  /** ... or when the oldest buffered batch is this old at the next batch (ms, default 60,000). */
  maxAgeMs?: number;
}

export class DetectionParquet {
  private seq = 0;
  // Batches are buffered into parts of many rows: a part per batch would
  // cost more to write than the batch to ingest, and litter the night with
  // tiny files. Each buffered batch keeps its marker until its part is on disk.
  private buffered: DetectionRecord[] = [];
  private bufferedIds: string[] = [];
  private oldest = 0;
  private readonly rowsPerPart: number;
  private readonly maxAgeMs: number;

  constructor(readonly root: string, private readonly store: StreamStore, opts: ParquetPartOptions = {}) {
    this.rowsPerPart = opts.rowsPerPart ?? 100_000;
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
  }

  /** A batch id, unique across restarts and processes. */
  newBatchId(): string {
    return `${Date.now().toString(36)}-${process.pid}-${(this.seq++).toString(36)}`;
  }

  /** Inside the batch's transaction: remember which detections the part will hold. */
  markInTxn(batchId: string, rows: DetectionRecord[]): void {
    if (rows.length) this.store.progress.put(['parquet-pending', batchId], rows.map((r) => r.alertId));
  }

  /** After the commit: buffers the batch's rows; writes the parts when enough have gathered. */
  async write(batchId: string, rows: DetectionRecord[]): Promise<void> {
    if (rows.length > 0) {
      if (this.bufferedIds.length === 0) this.oldest = Date.now();
      for (const r of rows) this.buffered.push(r);
      this.bufferedIds.push(batchId);
    }
    if (this.buffered.length >= this.rowsPerPart || (this.bufferedIds.length > 0 && Date.now() - this.oldest >= this.maxAgeMs)) await this.flush();
  }

  /** Writes the buffered rows as parts (one per night) and clears their batches' markers. */
  async flush(): Promise<void> {
    if (this.bufferedIds.length === 0) return;
    const rows = this.buffered, ids = this.bufferedIds;
    this.buffered = [];
    this.bufferedIds = [];
    this.writeParts(ids[0], rows);
    // One transaction: either every batch of the part is done, or recovery
    // finds them all pending, deletes the part (named after the first) and
    // rewrites each batch.
    this.store.env.transactionSync(() => {
      for (const id of ids) this.store.progress.removeSync(['parquet-pending', id]);
    });
  }

  private writeParts(partId: string, rows: DetectionRecord[]): void {
    const byNight = new Map<string, DetectionRecord[]>();
    for (const r of rows) {
      const g = byNight.get(r.night);
      if (g) g.push(r);
      else byNight.set(r.night, [r]);
    }
    for (const [night, part] of byNight) {
      const dir = path.join(this.root, night);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `part-${partId}.parquet`);
      writeParquetTable(`${file}.tmp`, table(part));
      renameSync(`${file}.tmp`, file);
    }
  }

  /** Rewrites the parts of batches that committed but whose parts were not written. */
  async recover(): Promise<number> {
    let n = 0;
    for (const { key, value } of this.store.progress.getRange({ start: ['parquet-pending'], end: ['parquet-pending\u0000'] })) {
      const rows = (value as string[]).map((id) => this.store.detections.get(id)).filter((r): r is DetectionRecord => r !== undefined);
      const id = (key as string[])[1];
      // A part holding this batch with others was named after the first of them.
      if (existsSync(this.root)) for (const night of readdirSync(this.root)) rmSync(path.join(this.root, night, `part-${id}.parquet`), { force: true });
      this.writeParts(id, rows);
      await this.store.progress.remove(key as string[]);
      n++;
    }
    return n;
  }
}
