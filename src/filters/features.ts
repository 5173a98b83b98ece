// The values a filter sees for one alert (fields.ts documents each one),
// built once per alert and shared by every filter. The light-curve features
// come from the alert's own detection and its history (ZTF prv_candidates,
// Rubin prvDiaSources): the detections are gathered into typed arrays, then
// per-band sums for the least-squares rates and each band's latest value are
// accumulated in one pass over them, without allocating per detection.

import type { Alert, Detection } from '../stream/decoding/alert.js';
import type { Annotations } from '../stream/annotate/record.js';
import type { ObjectRecord } from '../stream/store.js';
import { BANDS, COLOUR_MAX_GAP_DAYS, COLOURS, WINDOW_DAYS } from './fields.js';

export interface AlertFields {
  id: string; survey: string; object_id: string; ra: number; dec: number; mjd: number; night: string; band: string;
  mag: number; mag_err: number; flux: number; flux_err: number; is_diff_pos: boolean;
  rb: number; drb: number; reliability: number; sgscore: number; distpsnr: number; ssdistnr: number; ndethist: number; programid: number;
}

export interface ObjectFields {
  id: string; ra: number; dec: number; n_detections: number; first_mjd: number; last_mjd: number; aliases: string[];
}

export interface AnnotationFields {
  matched: boolean; id: string; sep_arcsec: number; pa_deg: number; ellipse_distance: number; n_matches: number;
  columns: Record<string, string | number | boolean | null>;
}

export interface WatchFields {
  hit: boolean; lists: string[]; names: string[]; targets: string[];
}

/** Light-curve features (fields.ts documents each). */
export interface LightCurveFeatures {
  mag_u: number;
  rise_rate_u: number;
  fade_rate_u: number;
  mag_g: number;
  rise_rate_g: number;
  fade_rate_g: number;
  mag_r: number;
  rise_rate_r: number;
  fade_rate_r: number;
  mag_i: number;
  rise_rate_i: number;
  fade_rate_i: number;
  mag_z: number;
  rise_rate_z: number;
  fade_rate_z: number;
  mag_y: number;
  rise_rate_y: number;
  fade_rate_y: number;
  colour_u_g: number;
  colour_g_r: number;
  colour_r_i: number;
  colour_i_z: number;
  colour_z_y: number;
  age_days: number;
  days_since_previous: number;
  n_detections_window: number;
  peak_mag: number;
  dmag_peak: number;
}

/** What an expression's variables hold for one alert. */
export interface FilterInput {
  alert: AlertFields;
  object: ObjectFields;
  features: LightCurveFeatures;
  annotations: Record<string, AnnotationFields>;
  watch: WatchFields;
}

/** A watch-list hit of an alert, as the watch stage found it. */
export interface WatchHitRef {
  owner: string;
  list: string;
  listName: string;
  target: string;
}

const NO_WATCH: WatchFields = Object.freeze({ hit: false, lists: Object.freeze([]) as unknown as string[], names: Object.freeze([]) as unknown as string[], targets: Object.freeze([]) as unknown as string[] });
const NOT_MATCHED: AnnotationFields = Object.freeze({ matched: false, id: '', sep_arcsec: NaN, pa_deg: NaN, ellipse_distance: NaN, n_matches: 0, columns: Object.freeze({}) });

/** Band letter (char code) -> band index, -1 for others. */
const BAND_OF_CODE = new Int8Array(128).fill(-1);
BANDS.forEach((b, i) => { BAND_OF_CODE[b.charCodeAt(0)] = i; });

function bandIndex(b: string): number {
  const c = b.charCodeAt(0);
  return b.length === 1 && c < 128 ? BAND_OF_CODE[c] : -1;
}

const NB = BANDS.length;
/** Slots of the feature values: per band mag, rise, fade; colours; then the rest. */
const COLOUR_AT = NB * 3;
const REST_AT = COLOUR_AT + COLOURS.length;
const COLOUR_BANDS = Int8Array.from(COLOURS.flatMap(([x, y]) => [bandIndex(x), bandIndex(y)]));

/** The features object from its values (fields.ts order): a literal, so every alert's object has one shape. */
function featureObject(v: Float64Array): LightCurveFeatures {
  return {
    mag_u: v[0], rise_rate_u: v[1], fade_rate_u: v[2], mag_g: v[3],
    rise_rate_g: v[4], fade_rate_g: v[5], mag_r: v[6], rise_rate_r: v[7],
    fade_rate_r: v[8], mag_i: v[9], rise_rate_i: v[10], fade_rate_i: v[11],
    mag_z: v[12], rise_rate_z: v[13], fade_rate_z: v[14], mag_y: v[15],
    rise_rate_y: v[16], fade_rate_y: v[17], colour_u_g: v[18], colour_g_r: v[19],
    colour_r_i: v[20], colour_i_z: v[21], colour_z_y: v[22], age_days: v[23],
    days_since_previous: v[24], n_detections_window: v[25], peak_mag: v[26], dmag_peak: v[27],
  };
}

/** Per-band accumulator lanes: n, sum t, sum m, sum t^2, sum t*m (t relative to the alert's MJD). */
const LANES = 5;

/** Finite numbers pass; null, undefined, non-numbers and the surveys' -999 'none' become NaN. */
function num(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) && v > -999 ? v : NaN;
  if (typeof v === 'bigint') return Number(v);
  return NaN;
}

/** Non-negative distances and scores: ZTF writes negative values (-999, -99) for 'none'. */
function nonNeg(v: unknown): number {
  const x = num(v);
  return x >= 0 ? x : NaN;
}

/** A detection's AB magnitude: ZTF gives it, Rubin gives a flux in nJy. */
function magOf(d: { mag?: number; flux?: number }): number {
  if (d.mag !== undefined && Number.isFinite(d.mag)) return d.mag;
  return d.flux !== undefined && d.flux > 0 ? 31.4 - 2.5 * Math.log10(d.flux) : NaN;
}

export class FeatureBuilder {
  private readonly windowDays: number;
  // Scratch, grown on demand and reused for every alert.
  private tArr = new Float64Array(64);
  private mArr = new Float64Array(64);
  private bArr = new Int8Array(64);
  private readonly sums = new Float64Array(NB * LANES);
  private readonly latestT = new Float64Array(NB);
  private readonly latestM = new Float64Array(NB);
  private readonly values = new Float64Array(REST_AT + 5);

  constructor(opts: { windowDays?: number } = {}) {
    this.windowDays = opts.windowDays ?? WINDOW_DAYS;
  }

  /** The filter input of one alert (watch hits none: see withWatch). */
  build(a: Alert, o: ObjectRecord, annotations?: Annotations): FilterInput {
    const c = a.candidate;
    const alert: AlertFields = {
      id: a.alertId.toString(), survey: a.survey, object_id: a.surveyObjectId, ra: a.ra, dec: a.dec, mjd: a.mjd, night: a.night, band: a.band,
      mag: magOf(a), mag_err: num(a.magErr), flux: num(a.flux), flux_err: num(a.fluxErr), is_diff_pos: a.isDiffPos !== false,
      rb: num(c.rb), drb: num(c.drb), reliability: num(c.reliability), sgscore: nonNeg(c.sgscore1), distpsnr: nonNeg(c.distpsnr1),
      ssdistnr: nonNeg(c.ssdistnr), ndethist: num(c.ndethist), programid: a.survey === 'ztf' ? num(a.programId ?? c.programid) : NaN,
    };
    const object: ObjectFields = {
      id: String(o.id), ra: o.ra, dec: o.dec, n_detections: o.nDetections, first_mjd: o.firstMjd, last_mjd: o.lastMjd, aliases: o.aliases,
    };
    const ann: Record<string, AnnotationFields> = {};
    if (annotations) {
      for (const name in annotations) {
        const ms = annotations[name];
        if (ms.length === 0) { ann[name] = NOT_MATCHED; continue; }
        const b = ms[0];
        ann[name] = {
          matched: true, id: b.id, sep_arcsec: b.sep_arcsec, pa_deg: b.pa_deg, ellipse_distance: b.ellipse_distance ?? NaN,
          n_matches: ms.length, columns: b.columns,
        };
      }
    }
    return { alert, object, features: this.lightCurve(a, o.firstMjd), annotations: ann, watch: NO_WATCH };
  }

  /** Rates, latest magnitudes, colours, age: one pass over the alert's detections held in typed arrays. */
  private lightCurve(a: Alert, objectFirstMjd: number): LightCurveFeatures {
    const prv: Detection[] = a.prvDetections;
    const n = prv.length + 1;
    if (this.tArr.length < n) {
      const cap = Math.max(n, this.tArr.length * 2);
      this.tArr = new Float64Array(cap); this.mArr = new Float64Array(cap); this.bArr = new Int8Array(cap);
    }
    const t = this.tArr, m = this.mArr, band = this.bArr;
    const t0 = a.mjd;
    let k = 0;
    let first = Number.isFinite(objectFirstMjd) ? objectFirstMjd : t0;
    let previous = -Infinity;
    // The alert itself, then its history; negative differences count for
    // time (age, previous) but not for magnitudes.
    t[k] = 0; m[k] = a.isDiffPos === false ? NaN : magOf(a); band[k] = bandIndex(a.band); k++;
    for (let i = 0; i < prv.length; i++) {
      const d = prv[i];
      if (!(d.mjd <= t0)) continue;
      if (d.mjd < first) first = d.mjd;
      if (d.mjd < t0 && d.mjd > previous) previous = d.mjd;
      t[k] = d.mjd - t0; m[k] = d.isDiffPos === false ? NaN : magOf(d); band[k] = bandIndex(d.band); k++;
    }
    const s = this.sums, lt = this.latestT, lm = this.latestM;
    s.fill(0); lt.fill(-Infinity); lm.fill(NaN);
    const from = -this.windowDays;
    let nWindow = 0;
    let peak = Infinity;
    for (let i = 0; i < k; i++) {
      const mi = m[i], bi = band[i], ti = t[i];
      if (!(mi === mi) || bi < 0) continue; // NaN magnitude or unknown band
      if (mi < peak) peak = mi;
      if (ti >= lt[bi]) { lt[bi] = ti; lm[bi] = mi; }
      if (ti < from) continue;
      nWindow++;
      const o = bi * LANES;
      s[o] += 1; s[o + 1] += ti; s[o + 2] += mi; s[o + 3] += ti * ti; s[o + 4] += ti * mi;
    }
    const v = this.values;
    for (let b = 0; b < NB; b++) {
      const o = b * LANES, nb = s[o];
      if (nb < 2) { v[b * 3] = lm[b]; v[b * 3 + 1] = NaN; v[b * 3 + 2] = NaN; continue; }
      const den = nb * s[o + 3] - s[o + 1] * s[o + 1];
      const slope = nb >= 2 && den > 1e-12 ? (nb * s[o + 4] - s[o + 1] * s[o + 2]) / den : NaN;
      v[b * 3] = lm[b];
      v[b * 3 + 1] = -slope;
      v[b * 3 + 2] = slope;
    }
    for (let c = 0; c < COLOURS.length; c++) {
      const i = COLOUR_BANDS[2 * c], j = COLOUR_BANDS[2 * c + 1];
      v[COLOUR_AT + c] = Math.abs(lt[i] - lt[j]) <= COLOUR_MAX_GAP_DAYS ? lm[i] - lm[j] : NaN;
    }
    const peakMag = peak === Infinity ? NaN : peak;
    v[REST_AT] = t0 - first;
    v[REST_AT + 1] = previous === -Infinity ? NaN : t0 - previous;
    v[REST_AT + 2] = nWindow;
    v[REST_AT + 3] = peakMag;
    v[REST_AT + 4] = m[0] - peakMag;
    return featureObject(v);
  }
}

/** The input of an alert as one owner's filters see it: only that owner's watch-list hits. */
export function withWatch(input: FilterInput, hits: readonly WatchHitRef[] | undefined, owner: string): FilterInput {
  if (!hits || hits.length === 0) return input;
  let w: WatchFields | null = null;
  for (const h of hits) {
    if (h.owner !== owner) continue;
    w ??= { hit: true, lists: [], names: [], targets: [] };
    if (!w.lists.includes(h.list)) { w.lists.push(h.list); w.names.push(h.listName); }
    if (!w.targets.includes(h.target)) w.targets.push(h.target);
  }
  return w ? { ...input, watch: w } : input;
}
