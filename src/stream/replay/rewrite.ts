// Where a decoded alert record keeps its positions and ids, found once per
// alert, so each copy is a few in-place writes and one encode instead of a
// deep clone. Fields are found by name at any depth, which covers both
// surveys and every schema version seen:
//   positions: (ra, dec) of the ZTF candidate, prv_candidates, the Rubin
//     diaSource, diaObject, prvDiaSources and prvDiaForcedSources; (ranr,
//     decnr), ZTF's nearest reference-image source (candidate, history,
//     fp_hists); (trailRa, trailDec) of Rubin trailed sources. Sentinels and
//     nulls (a ZTF upper limit has no position) are left alone.
//   long ids: candid (ZTF), diaSourceId, diaObjectId, diaForcedSourceId,
//     ssObjectId, parentDiaSourceId, alertId (Rubin); 0 means "none" and stays.
//   names: objectId (ZTF), a string.

import { freshId, freshObjectName } from './ids.js';
import { rotateRaDec } from './rotation.js';

const PAIRS: ReadonlyArray<readonly [string, string]> = [['ra', 'dec'], ['ranr', 'decnr'], ['trailRa', 'trailDec']];
const ID_FIELDS = new Set(['candid', 'diaSourceId', 'diaObjectId', 'diaForcedSourceId', 'ssObjectId', 'parentDiaSourceId', 'alertId']);
const NAME_FIELDS = new Set(['objectId']);

type Rec = Record<string, unknown>;

const isPosition = (ra: unknown, dec: unknown): boolean =>
  typeof ra === 'number' && typeof dec === 'number' && ra >= 0 && ra <= 360 && dec >= -90 && dec <= 90;

export class AlertSlots {
  private readonly posRec: Rec[] = [];
  private readonly posKeys: Array<readonly [string, string]> = [];
  private posOrig: Float64Array = new Float64Array(0);
  private readonly idRec: Rec[] = [];
  private readonly idKey: string[] = [];
  private readonly idOrig: bigint[] = [];
  private readonly nameRec: Rec[] = [];
  private readonly nameKey: string[] = [];
  private readonly nameOrig: string[] = [];
  private readonly scratch = new Float64Array(2);

  constructor(readonly record: Rec) {
    const orig: number[] = [];
    this.walk(record, orig);
    this.posOrig = Float64Array.from(orig);
  }

  get positions(): number {
    return this.posRec.length;
  }

  get ids(): number {
    return this.idRec.length;
  }

  private walk(v: unknown, orig: number[]): void {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return;
    if (Array.isArray(v)) {
      for (const x of v) this.walk(x, orig);
      return;
    }
    const r = v as Rec;
    for (const pair of PAIRS) {
      if (isPosition(r[pair[0]], r[pair[1]])) {
        this.posRec.push(r);
        this.posKeys.push(pair);
        orig.push(r[pair[0]] as number, r[pair[1]] as number);
      }
    }
    for (const k of Object.keys(r)) {
      const x = r[k];
      if (typeof x === 'bigint') {
        if (ID_FIELDS.has(k) && x > 0n) {
          this.idRec.push(r);
          this.idKey.push(k);
          this.idOrig.push(x);
        }
      } else if (typeof x === 'string') {
        if (NAME_FIELDS.has(k) && x !== '') {
          this.nameRec.push(r);
          this.nameKey.push(k);
          this.nameOrig.push(x);
        }
      } else if (x !== null && typeof x === 'object') {
        this.walk(x, orig);
      }
    }
  }

  /** Writes copy `copy`'s ids and the positions rotated by m (null: the originals) into the record. */
  apply(copy: number, m: Float64Array | null): void {
    const o = this.posOrig, s = this.scratch;
    for (let i = 0; i < this.posRec.length; i++) {
      const r = this.posRec[i], [ka, kd] = this.posKeys[i];
      if (m === null) {
        r[ka] = o[2 * i];
        r[kd] = o[2 * i + 1];
      } else {
        rotateRaDec(m, o[2 * i], o[2 * i + 1], s);
        r[ka] = s[0];
        r[kd] = s[1];
      }
    }
    for (let i = 0; i < this.idRec.length; i++) this.idRec[i][this.idKey[i]] = freshId(this.idOrig[i], copy);
    for (let i = 0; i < this.nameRec.length; i++) this.nameRec[i][this.nameKey[i]] = freshObjectName(this.nameOrig[i], copy);
  }

  /** Puts the original positions and ids back. */
  restore(): void {
    this.apply(0, null);
  }
}
