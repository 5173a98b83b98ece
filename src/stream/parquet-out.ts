// A flat Parquet table of detections per night (DATA/parquet/NIGHT/part-*.parquet)
// for DuckDB or Spark. Parts are written after their batch commits; the batch
// leaves a marker in its transaction, removed once the part is on disk, so a
// part lost to a crash is rewritten from the store at the next start.

import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { writeParquetTable } from '../catalog/parquet.js';
import type { DetectionRecord, StreamStore } from './store.js';

function table(rows: DetectionRecord[]) {
  const f64 = (get: (r: DetectionRecord) => number | undefined) => {
    const values = Float64Array.from(rows, (r) => get(r) ?? NaN);
    const valid = Uint8Array.from(rows, (r) => (get(r) === undefined ? 0 : 1));
    return { values, valid: valid.every((v) => v === 1) ? undefined : valid };
  };
  return {
    length: rows.length,
    columns: [
      { name: 'alert_id', type: 'utf8' as const, values: rows.map((r) => r.alertId) },
      { name: 'object_id', type: 'int64' as const, values: BigInt64Array.from(rows, (r) => BigInt(r.objectId)) },
      { name: 'survey', type: 'utf8' as const, values: rows.map((r) => r.survey) },
      { name: 'night', type: 'utf8' as const, values: rows.map((r) => r.night) },
      { name: 'mjd', type: 'float64' as const, ...f64((r) => r.mjd) },
      { name: 'band', type: 'utf8' as const, values: rows.map((r) => r.band) },
      { name: 'ra', type: 'float64' as const, ...f64((r) => r.ra) },
      { name: 'dec', type: 'float64' as const, ...f64((r) => r.dec) },
      { name: 'mag', type: 'float64' as const, ...f64((r) => r.mag) },
      { name: 'mag_err', type: 'float64' as const, ...f64((r) => r.magErr) },
      { name: 'flux', type: 'float64' as const, ...f64((r) => r.flux) },
      { name: 'flux_err', type: 'float64' as const, ...f64((r) => r.fluxErr) },
      { name: 'from', type: 'utf8' as const, values: rows.map((r) => r.from) },
    ],
  };
}

export class DetectionParquet {
  private seq = 0;
  constructor(readonly root: string, private readonly store: StreamStore) {}

  /** A batch id, unique across restarts and processes. */
  newBatchId(): string {
    return `${Date.now().toString(36)}-${process.pid}-${(this.seq++).toString(36)}`;
  }

  /** Inside the ingest transaction: remember which detections the part will hold. */
  markInTxn(batchId: string, rows: DetectionRecord[]): void {
    if (rows.length) this.store.progress.put(['parquet-pending', batchId], rows.map((r) => r.alertId));
  }

  /** After the commit: write the parts (one per night) and clear the marker. */
  async write(batchId: string, rows: DetectionRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const byNight = new Map<string, DetectionRecord[]>();
    for (const r of rows) byNight.set(r.night, [...(byNight.get(r.night) ?? []), r]);
    for (const [night, part] of byNight) {
      const dir = path.join(this.root, night);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `part-${batchId}.parquet`);
      writeParquetTable(`${file}.tmp`, table(part));
      renameSync(`${file}.tmp`, file);
    }
    await this.store.progress.remove(['parquet-pending', batchId]);
  }

  /** Rewrites the parts of batches that committed but whose parts were not written. */
  async recover(): Promise<number> {
    let n = 0;
    for (const { key, value } of this.store.progress.getRange({ start: ['parquet-pending'], end: ['parquet-pending\u0000'] })) {
      const rows = (value as string[]).map((id) => this.store.detections.get(id)).filter((r): r is DetectionRecord => r !== undefined);
      await this.write((key as string[])[1], rows);
      n++;
    }
    return n;
  }
}
