// Stage 'objects': which object an alert belongs to. The survey's own id (an
// alias such as 'ztf:ZTF18abjdnqd') decides first; else the nearest known
// object within the match radius (the object table is a live catalog: a
// cone search); else a new object. An alert already stored as an alert is a
// duplicate (an upstream replay): it keeps its stored object and nothing
// more is written for it. Alert by alert inside the transaction, since a
// later alert of the batch may match the object an earlier one made or moved
// (the history stage writes the object's statistics and position).
// Publishes the 'objects' stream: each object new or changed by the batch,
// with its URL in `skyjoin serve`.

import { DEFAULT_PUBLIC_URL, Links } from '../../objects/links.js';
import type { OutRecord } from '../sinks/sink.js';
import type { Batch, BatchAlert, Stage, StageTxn } from '../stage.js';
import type { ObjectRecord, StreamStore } from '../store.js';

export interface ObjectsOptions {
  /** Object matching radius, arcsec (default 1.5). */
  matchRadiusArcsec?: number;
  /** The URLs the 'objects' records carry (default: where `skyjoin serve` listens by default). */
  links?: Links;
}

export class ObjectsStage implements Stage {
  readonly name = 'objects';
  private readonly radius: number;
  private readonly links: Links;

  constructor(private readonly store: StreamStore, opts: ObjectsOptions = {}) {
    this.radius = opts.matchRadiusArcsec ?? 1.5;
    this.links = opts.links ?? new Links(DEFAULT_PUBLIC_URL);
  }

  /** Replayed alerts: their stored detection and object (outputs again); one not stored is a dead letter. */
  prepare(batch: Batch): void {
    if (batch.replayed.length === 0) return;
    const s = this.store;
    batch.alerts = batch.alerts.filter((a) => {
      if (!a.republish) return true;
      const stored = s.detections.get(a.alert.alertId.toString());
      const object = stored && s.objects.get(stored.objectId)?.data;
      if (!stored || !object) {
        batch.deadLetter(a.message, 'invalid-alert', `alert ${a.alert.alertId}: not stored`, a.raw);
        return false;
      }
      a.object = object;
      a.storedDetection = stored;
      a.cutouts = stored.cutouts;
      return true;
    });
  }

  alertInTxn(a: BatchAlert, batch: Batch, { store: s }: StageTxn): void {
    const al = a.alert;
    const existing = s.detections.get(al.alertId.toString());
    if (existing && existing.from === 'alert') {
      a.status = 'duplicate';
      a.object = s.objects.get(existing.objectId)!.data;
      a.cutouts = existing.cutouts;
      batch.count(al.night, 'duplicatesSkipped');
      return;
    }
    // A detection first seen in an earlier alert's history: its object decides.
    a.storedDetection = existing;
    const alias = `${al.survey}:${al.surveyObjectId}`;
    let objectId = existing?.objectId ?? s.aliases.get(alias);
    if (objectId === undefined) {
      const near = s.objects.cone(al.ra, al.dec, this.radius);
      if (near.length) objectId = near[0].id;
    }
    let obj: ObjectRecord;
    if (objectId === undefined) {
      objectId = s.objects.nextIdInTxn();
      a.objectCreated = true;
      batch.count(al.night, 'objects');
      obj = { id: objectId, aliases: [], nDetections: 0, firstMjd: al.mjd, lastMjd: al.mjd, sx: 0, sy: 0, sz: 0, ra: al.ra, dec: al.dec, latest: {}, surveys: [] };
    } else {
      obj = s.objects.get(objectId)!.data;
    }
    if (!obj.aliases.includes(alias)) {
      obj.aliases.push(alias);
      s.aliases.put(alias, objectId);
    }
    if (!obj.surveys.includes(al.survey)) obj.surveys.push(al.survey);
    a.object = obj;
  }

  afterCommit(batch: Batch): void {
    const seen = new Set<number>();
    const objects: OutRecord[] = [];
    for (const a of batch.alerts) {
      if ((a.status !== 'new' && !a.republish) || seen.has(a.object.id)) continue;
      seen.add(a.object.id);
      const o = a.object;
      objects.push({ key: String(o.id), value: { object_id: String(o.id), ra: o.ra, dec: o.dec, aliases: o.aliases, surveys: o.surveys, n_detections: o.nDetections, first_mjd: o.firstMjd, last_mjd: o.lastMjd, latest: o.latest, object_url: this.links.object(o.id) } });
    }
    batch.emit('objects', objects);
  }
}
