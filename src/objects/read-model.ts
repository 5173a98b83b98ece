// The read side of the stream's stores: everything `skyjoin serve` shows of
// objects, light curves, alerts and cutouts is read here and nowhere else,
// so a change of the stream's layout (database names, keys, record shapes,
// folders) touches this file only.
//
// The stream's LMDB environment (DATA/stream[-INSTANCE]) is opened read-only
// in this process while `skyjoin stream` writes it in another: LMDB readers
// never block the writer (each read runs in a snapshot; lmdb-js renews it at
// every event-loop turn, so the next request sees the latest commit). The
// environment is opened on first use, so `serve` may start before the stream
// has created it. Files (archive, cutouts) are read up to what the stream has
// committed.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { LiveCatalog } from '../catalog/live.js';
import type { DetectionRecord, NonDetectionRecord, ObjectRecord, Counts } from '../stream/store.js';
import { ArchiveReader } from './archive-reader.js';
import type avro from 'avsc';

export type { DetectionRecord, NonDetectionRecord, ObjectRecord };

export interface StoredObject {
  id: number;
  /** Position of the row in the live table (the mean position). */
  ra: number;
  dec: number;
  record: ObjectRecord;
}

export interface StoredLightCurve {
  detections: DetectionRecord[];
  nonDetections: NonDetectionRecord[];
}

export interface StoredAlert {
  detection: DetectionRecord;
  /** The record's Avro bytes as received, and its writer schema. */
  raw: Buffer;
  schemaText: string;
  type: avro.Type;
}

export interface CutoutFile {
  file: string;
  /** 'fits.gz' (ZTF) or 'fits' (Rubin). */
  format: string;
}

interface Stores {
  env: RootDatabase;
  objects: LiveCatalog<ObjectRecord>;
  aliases: Database<number, string>;
  detections: Database<DetectionRecord, string>;
  byObject: Database<number, Key> | null;
  nondet: Database<NonDetectionRecord, Key>;
  archive: Database<unknown, Key>;
  stats: Database<Counts, Key>;
}

/** Survey prefixes of aliases ('ztf:ZTF21abiuvdk'), tried for a bare alias. */
const SURVEYS = ['ztf', 'lsst'];

export class ReadModel {
  readonly dir: string;
  private stores: Stores | null = null;
  private readonly archiveReader = new ArchiveReader();

  constructor(dataDir: string, instance?: string) {
    this.dir = path.join(dataDir, instance ? `stream-${instance}` : 'stream');
  }

  /** Whether the stream has created its store yet. */
  available(): boolean {
    return this.open() !== null;
  }

  private open(): Stores | null {
    if (this.stores) return this.stores;
    if (!existsSync(path.join(this.dir, 'data.mdb'))) return null;
    const env = open({ path: this.dir, maxDbs: 32, readOnly: true });
    try {
      const shared = { sharedStructuresKey: Symbol.for('structures') };
      const db = <V, K extends Key>(name: string, o: object = {}): Database<V, K> => env.openDB<V, K>(name, o);
      let byObject: Database<number, Key> | null = null;
      try {
        byObject = db<number, Key>('detections.byObject');
      } catch {
        byObject = null; // a store written before the index existed: light curves scan
      }
      if (!LiveCatalog.exists(env, 'objects')) throw new Error('no object table yet');
      this.stores = {
        env,
        objects: LiveCatalog.open<ObjectRecord>(env, 'objects'),
        aliases: db<number, string>('aliases'),
        detections: db<DetectionRecord, string>('detections', shared),
        byObject,
        nondet: db<NonDetectionRecord, Key>('nondetections', shared),
        archive: db<unknown, Key>('archive'),
        stats: db<Counts, Key>('stats'),
      };
      return this.stores;
    } catch {
      // Created but not yet written (the stream is starting): try again on the next request.
      void env.close();
      return null;
    }
  }

  object(id: number): StoredObject | undefined {
    const s = this.open();
    const row = s?.objects.get(id);
    return row ? { id: row.id, ra: row.ra, dec: row.dec, record: row.data } : undefined;
  }

  /** Object ids of a survey alias: 'ztf:ZTF21abiuvdk', or bare 'ZTF21abiuvdk' (every survey tried). */
  objectIdsByAlias(alias: string): number[] {
    const s = this.open();
    if (!s) return [];
    const names = alias.includes(':') ? [alias] : SURVEYS.map((p) => `${p}:${alias}`);
    const ids = new Set<number>();
    for (const n of names) {
      const id = s.aliases.get(n);
      if (id !== undefined) ids.add(id);
    }
    return [...ids];
  }

  /** Objects within the radius, nearest first, at most `limit`; `total` counts them all. */
  cone(ra: number, dec: number, radiusArcsec: number, limit: number): { rows: Array<{ id: number; sepArcsec: number }>; total: number } {
    const s = this.open();
    if (!s) return { rows: [], total: 0 };
    const all = s.objects.cone(ra, dec, radiusArcsec);
    return { rows: all.slice(0, limit), total: all.length };
  }

  /** Rows in the object table. */
  objectCount(): number {
    return this.open()?.objects.count() ?? 0;
  }

  /** Every stored detection and non-detection of an object, in time order. */
  lightCurve(objectId: number): StoredLightCurve {
    const s = this.open();
    if (!s) return { detections: [], nonDetections: [] };
    const detections: DetectionRecord[] = [];
    if (s.byObject) {
      for (const key of s.byObject.getKeys({ start: [objectId], end: [objectId + 1] })) {
        const d = s.detections.get((key as [number, string])[1]);
        if (d) detections.push(d);
      }
    } else {
      for (const { value } of s.detections.getRange({})) if (value.objectId === objectId) detections.push(value);
    }
    const nonDetections: NonDetectionRecord[] = [];
    for (const { value } of s.nondet.getRange({ start: [objectId], end: [objectId + 1] })) nonDetections.push(value);
    detections.sort((a, b) => a.mjd - b.mjd);
    nonDetections.sort((a, b) => a.mjd - b.mjd);
    return { detections, nonDetections };
  }

  detection(alertId: string): DetectionRecord | undefined {
    return this.open()?.detections.get(alertId);
  }

  private committed(s: Stores, rel: string): number {
    const st = s.archive.get(['file', rel]) as { committed: number } | undefined;
    return st?.committed ?? 0;
  }

  /** Archive files of a survey's night (paths relative to the archive folder). */
  private nightFiles(survey: string, night: string): string[] {
    const dir = path.join(this.dir, 'archive', survey, night);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((f) => f.endsWith('.avro')).sort().map((f) => path.join(survey, night, f));
  }

  /** An alert as archived (its own alert, not a history entry), or undefined. */
  alert(alertId: string): StoredAlert | undefined {
    const s = this.open();
    const d = s?.detections.get(alertId);
    if (!s || !d || d.from !== 'alert') return undefined;
    for (const rel of this.nightFiles(d.survey, d.night)) {
      const hit = this.archiveReader.find(path.join(this.dir, 'archive', rel), this.committed(s, rel), alertId);
      if (hit) return { detection: d, ...hit };
    }
    return undefined;
  }

  /**
   * The latest archived alerts (by observation time), newest first: the
   * archive's most recent nights are read until `limit` alerts are found.
   */
  latestAlerts(limit: number): DetectionRecord[] {
    const s = this.open();
    if (!s) return [];
    const root = path.join(this.dir, 'archive');
    const nights: Array<{ survey: string; night: string }> = [];
    for (const survey of existsSync(root) ? readdirSync(root) : []) {
      for (const night of readdirSync(path.join(root, survey))) nights.push({ survey, night });
    }
    nights.sort((a, b) => (a.night < b.night ? 1 : a.night > b.night ? -1 : 0));
    const out: DetectionRecord[] = [];
    for (let i = 0; i < nights.length && out.length < limit; i++) {
      // Nights of every survey sharing this date go together (they interleave in time).
      const night = nights[i].night;
      for (; i < nights.length && nights[i].night === night; i++) {
        for (const rel of this.nightFiles(nights[i].survey, night)) {
          for (const id of this.archiveReader.ids(path.join(root, rel), this.committed(s, rel))) {
            const d = s.detections.get(id);
            if (d) out.push(d);
          }
        }
      }
      i--;
    }
    out.sort((a, b) => b.mjd - a.mjd || (a.alertId < b.alertId ? 1 : -1));
    return out.slice(0, limit);
  }

  /** Nights (YYYYMMDD) with archived alerts, of any survey, sorted. */
  archivedNights(): string[] {
    const root = path.join(this.dir, 'archive');
    if (!existsSync(root)) return [];
    const nights = new Set<string>();
    for (const survey of readdirSync(root, { withFileTypes: true })) {
      if (!survey.isDirectory()) continue;
      for (const n of readdirSync(path.join(root, survey.name), { withFileTypes: true })) if (n.isDirectory() && /^\d{8}$/.test(n.name)) nights.add(n.name);
    }
    return [...nights].sort();
  }

  /**
   * The archive files of the nights (surveys in name order, then the nights
   * as given, files in order), each cut to what the stream has committed: a
   * running stream may be appending.
   */
  *archivedFiles(nights: readonly string[]): Generator<{ rel: string; bytes: Buffer }> {
    const s = this.open();
    const root = path.join(this.dir, 'archive');
    if (!s || !existsSync(root)) return;
    for (const survey of readdirSync(root).sort()) {
      for (const night of nights) {
        for (const rel of this.nightFiles(survey, night)) {
          const committed = this.committed(s, rel);
          if (committed > 0) yield { rel, bytes: readFileSync(path.join(root, rel)).subarray(0, committed) };
        }
      }
    }
  }

  /** The stored cutout file of an alert, or undefined. */
  cutout(alertId: string, kind: string): CutoutFile | undefined {
    const d = this.detection(alertId);
    const rel = d?.cutouts?.[kind];
    if (!rel) return undefined;
    const file = path.join(this.dir, 'cutouts', rel);
    return { file, format: rel.endsWith('.fits.gz') ? 'fits.gz' : 'fits' };
  }

  /** The stream's totals (received, decoded, objects, ...). */
  counts(): Counts | undefined {
    return this.open()?.stats.get(['total']) as Counts | undefined;
  }

  async close(): Promise<void> {
    const s = this.stores;
    this.stores = null;
    await s?.env.close();
  }
}
