// Stage 'archive': what is kept of each stored alert besides its history.
//   cutouts  image files named by alert id, written once before the
//            transaction (atomic and idempotent: a replay rewrites nothing),
//            so detections and outputs carry paths, never the bytes;
//   raw      the alert's Avro bytes, unchanged, appended to container files
//            by survey, night, writer schema and source partition, the
//            committed lengths recorded in the transaction (archive.ts);
//   Parquet  a flat detections table per night, its parts written after the
//            commit from markers left in the transaction (parquet-out.ts).
// Each can be turned off. recover() cuts archive tails and rewrites Parquet
// parts that a crash left unfinished.

import path from 'node:path';
import { AlertArchive } from '../archive.js';
import { writeCutouts } from '../cutouts.js';
import { DetectionParquet } from '../parquet-out.js';
import type { Batch, Stage, StageTxn } from '../stage.js';
import type { StreamStore } from '../store.js';

export interface ArchiveOptions {
  /** Raw-alert archive, cutout files and Parquet tables (default: all on). */
  archive?: boolean;
  cutouts?: boolean;
  parquet?: boolean;
}

export class ArchiveStage implements Stage {
  readonly name = 'archive';
  readonly archive: AlertArchive | null;
  readonly parquet: DetectionParquet | null;
  private readonly cutoutDir: string | null;
  private readonly batchIds = new WeakMap<Batch, string>();
  // A small number per writer schema, for grouping keys: the ~15 kB schema
  // text itself in a key would be copied and hashed for every alert.
  private readonly schemaIds = new Map<string, number>();

  constructor(store: StreamStore, opts: ArchiveOptions = {}) {
    const root = store.dir;
    this.archive = opts.archive === false ? null : new AlertArchive(path.join(root, 'archive'), store);
    this.parquet = opts.parquet === false ? null : new DetectionParquet(path.join(root, 'parquet'), store);
    this.cutoutDir = opts.cutouts === false ? null : path.join(root, 'cutouts');
  }

  async recover(): Promise<void> {
    this.archive?.recover();
    await this.parquet?.recover();
  }

  prepare(batch: Batch): void {
    if (this.parquet) this.batchIds.set(batch, this.parquet.newBatchId());
    if (!this.cutoutDir) return;
    // Stored alerts only (a duplicate's are replaced by the stored paths).
    for (const a of batch.alerts) if (!a.republish) a.cutouts = writeCutouts(this.cutoutDir, a.alert);
  }

  private schemaId(text: string): number {
    let id = this.schemaIds.get(text);
    if (id === undefined) this.schemaIds.set(text, (id = this.schemaIds.size));
    return id;
  }

  inTxn(batch: Batch, _txn: StageTxn): void {
    if (this.archive) {
      const groups = new Map<string, { survey: string; night: string; schema: string; partition: number; raws: Uint8Array[] }>();
      for (const a of batch.alerts) {
        if (a.status !== 'new' || a.republish) continue;
        const al = a.alert, p = a.message.partition;
        const k = `${al.survey}\u0000${al.night}\u0000${this.schemaId(a.schemaText)}\u0000${p}`;
        let g = groups.get(k);
        if (!g) groups.set(k, (g = { survey: al.survey, night: al.night, schema: a.schemaText, partition: p, raws: [] }));
        g.raws.push(a.raw);
      }
      for (const g of groups.values()) this.archive.appendInTxn(g.survey, g.night, g.schema, g.partition, g.raws);
    }
    this.parquet?.markInTxn(this.batchIds.get(batch)!, batch.newDetections);
  }

  async afterCommit(batch: Batch): Promise<void> {
    // Parts gather many batches: most calls only buffer the rows.
    await this.parquet?.write(this.batchIds.get(batch)!, batch.newDetections);
  }

  async close(): Promise<void> {
    await this.parquet?.flush();
    this.archive?.closeFiles();
  }
}
