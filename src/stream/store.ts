// The stream's state in one LMDB environment (DATA/stream): known objects
// (a live catalog: object matching is a crossmatch against it), survey-id
// aliases, detections by alert id, non-detections by object/time/band,
// accounting, archive bookkeeping and per-source progress. Everything a
// batch writes goes into one transaction, progress included, so a
// crash either keeps a batch whole or not at all.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { LiveCatalog } from '../catalog/live.js';
import type { IndexScheme } from '../match/scheme.js';

export interface ObjectRecord {
  id: number;
  /** Survey ids of this object: 'ztf:ZTF21abiuvdk', 'lsst:1692...'. */
  aliases: string[];
  nDetections: number;
  firstMjd: number;
  lastMjd: number;
  /** Sum of the detections' unit vectors: the mean position is its direction. */
  sx: number;
  sy: number;
  sz: number;
  ra: number;
  dec: number;
  /** Latest magnitude per band: [mag, mjd]. */
  latest: Record<string, [number, number]>;
  surveys: string[];
}

export interface DetectionRecord {
  alertId: string;
  objectId: number;
  survey: string;
  mjd: number;
  night: string;
  band: string;
  ra: number;
  dec: number;
  mag?: number;
  magErr?: number;
  flux?: number;
  fluxErr?: number;
  isDiffPos?: boolean;
  /** 'alert': this detection came as its own alert; 'history': only in a later alert's history. */
  from: 'alert' | 'history';
  cutouts?: Record<string, string>;
}

export interface NonDetectionRecord {
  objectId: number;
  survey: string;
  mjd: number;
  band: string;
  kind: 'upper-limit' | 'forced';
  limitingMag?: number;
  flux?: number;
  fluxErr?: number;
}

export const COUNTERS = ['received', 'decoded', 'deadLettered', 'detections', 'nonDetections', 'duplicatesSkipped', 'objects'] as const;
export type Counter = (typeof COUNTERS)[number];
export type Counts = Record<Counter, number>;

export const zeroCounts = (): Counts => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counts;

/** Object table scheme: 3-arcmin zones (object matching radius ~1.5"). */
export const OBJECT_SCHEME: IndexScheme = { kind: 'zones', zoneHeightDeg: 0.05 };

export class StreamStore {
  readonly env: RootDatabase;
  readonly objects: LiveCatalog<ObjectRecord>;
  readonly aliases: Database<number, string>;
  readonly detections: Database<DetectionRecord, string>;
  /** Index of detections by object: key [objectId, alertId], value 1 (a light curve is one key range). */
  readonly detectionsByObject: Database<number, Key>;
  readonly nondet: Database<NonDetectionRecord, Key>;
  readonly stats: Database<Counts, Key>;
  readonly progress: Database<unknown, Key>;
  readonly archive: Database<unknown, Key>;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.env = open({ path: dir, maxDbs: 32 });
    this.objects = LiveCatalog.open<ObjectRecord>(this.env, 'objects', { scheme: OBJECT_SCHEME });
    this.aliases = this.env.openDB<number, string>('aliases', {});
    // Shared msgpack structures: these records all have the same few fields,
    // so their names are stored once per database instead of in every value
    // (smaller values, and packing is a third faster).
    this.detections = this.env.openDB<DetectionRecord, string>('detections', { sharedStructuresKey: Symbol.for('structures') });
    this.detectionsByObject = this.env.openDB<number, Key>('detections.byObject', {});
    this.nondet = this.env.openDB<NonDetectionRecord, Key>('nondetections', { sharedStructuresKey: Symbol.for('structures') });
    this.stats = this.env.openDB<Counts, Key>('stats', {});
    this.progress = this.env.openDB<unknown, Key>('progress', {});
    this.archive = this.env.openDB<unknown, Key>('archive', {});
  }

  static at(dataDir: string, instance?: string): StreamStore {
    return new StreamStore(path.join(dataDir, instance ? `stream-${instance}` : 'stream'));
  }

  /** Adds counts for a night (and the totals); call inside a write transaction. */
  addCountsInTxn(night: string, delta: Partial<Counts>): void {
    for (const key of [['total'], ['night', night]] as Key[]) {
      const cur = (this.stats.get(key) as Counts | undefined) ?? zeroCounts();
      for (const c of COUNTERS) cur[c] += delta[c] ?? 0;
      this.stats.put(key, cur);
    }
  }

  counts(): { totals: Counts; nights: Record<string, Counts> } {
    const nights: Record<string, Counts> = {};
    for (const { key, value } of this.stats.getRange({ start: ['night'], end: ['night\u0000'] })) nights[(key as string[])[1]] = value as Counts;
    return { totals: (this.stats.get(['total']) as Counts | undefined) ?? zeroCounts(), nights };
  }

  async close(): Promise<void> {
    await this.env.close();
  }
}
