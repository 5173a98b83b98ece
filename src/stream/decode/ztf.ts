// ZTF packets (schemas 3.0 to 4.02) -> Alert. Each Kafka message is a whole
// Avro container file with its own writer schema; we decode with that schema
// (3.0-3.2 do not resolve against 3.3) through the shared schema cache.

import type { Alert, Detection, ForcedPoint, NonDetection, SurveyRecord } from '../alert.js';
import { type ContainerOptions, readContainer } from '../avro/container.js';
import { DecodeError } from '../avro/errors.js';
import { SchemaCache } from '../avro/schema-cache.js';
import { big, extraFields, isRecord, makeCutouts, num, records, required, str, ztfBand } from './fields.js';
import { countsToNJy, fluxErrFromMag, fluxFromAbMag } from './photometry.js';
import { surveyOfSchema } from './sniff.js';
import { jdToMjd, utcNight } from './time.js';

const USED = new Set([
  'schemavsn', 'objectId', 'candid', 'candidate', 'prv_candidates', 'fp_hists',
  'cutoutScience', 'cutoutTemplate', 'cutoutDifference',
]);

// ZTF forced photometry marks "no measurement" with this value.
const FP_NULL = -99999;

function isDiffPos(v: string | null): boolean | null {
  if (v === null) return null;
  return v === 't' || v === '1';
}

function stamp(packet: SurveyRecord, key: string): Uint8Array | null {
  const c = packet[key];
  if (!isRecord(c)) return null;
  const data = c.stampData;
  return data instanceof Uint8Array ? data : null;
}

function detection(p: SurveyRecord, alertId: bigint): Detection {
  const mag = num(p, 'magpsf');
  const magErr = num(p, 'sigmapsf');
  const pos = isDiffPos(str(p, 'isdiffpos'));
  const flux = fluxFromAbMag(mag, pos !== false);
  return {
    alertId,
    mjd: jdToMjd(num(p, 'jd') ?? NaN),
    band: ztfBand(num(p, 'fid')),
    ra: num(p, 'ra'),
    dec: num(p, 'dec'),
    mag,
    magErr,
    flux,
    fluxErr: fluxErrFromMag(flux, magErr),
    isDiffPos: pos,
    exposureId: big(p, 'pid'),
    record: p,
  };
}

function nonDetection(p: SurveyRecord): NonDetection {
  return {
    mjd: jdToMjd(num(p, 'jd') ?? NaN),
    band: ztfBand(num(p, 'fid')),
    limitingMag: num(p, 'diffmaglim'),
    programId: num(p, 'programid'),
    exposureId: big(p, 'pid'),
    record: p,
  };
}

function forcedPoint(p: SurveyRecord): ForcedPoint {
  const counts = num(p, 'forcediffimflux');
  const countsErr = num(p, 'forcediffimfluxunc');
  const zp = num(p, 'magzpsci');
  const ok = counts !== null && counts !== FP_NULL && zp !== null;
  return {
    id: null,
    mjd: jdToMjd(num(p, 'jd') ?? NaN),
    band: ztfBand(num(p, 'fid')),
    flux: ok ? countsToNJy(counts, zp) : null,
    fluxErr: ok && countsErr !== null && countsErr !== FP_NULL ? countsToNJy(countsErr, zp) : null,
    exposureId: big(p, 'pid'),
    record: p,
  };
}

/** One decoded ZTF packet (record of a ztf.alert schema) -> Alert. */
export function normalizeZtf(packet: SurveyRecord): Alert {
  const cand = packet.candidate;
  if (!isRecord(cand)) throw new DecodeError('bad_alert', 'ZTF packet has no candidate record');
  const alertId = required(big(packet, 'candid') ?? big(cand, 'candid'), 'candid');
  const mjd = jdToMjd(required(num(cand, 'jd'), 'candidate.jd'));
  const mag = num(cand, 'magpsf');
  const magErr = num(cand, 'sigmapsf');
  const pos = isDiffPos(str(cand, 'isdiffpos')) ?? true;
  const flux = fluxFromAbMag(mag, pos);

  const prvDetections: Detection[] = [];
  const nonDetections: NonDetection[] = [];
  for (const p of records(packet, 'prv_candidates')) {
    // Upper limits are the prv_candidates without a candid.
    const id = big(p, 'candid');
    if (id === null) nonDetections.push(nonDetection(p));
    else prvDetections.push(detection(p, id));
  }
  const fp = records(packet, 'fp_hists');
  const forcedPhotometry = new Array<ForcedPoint>(fp.length);
  for (let i = 0; i < fp.length; i++) forcedPhotometry[i] = forcedPoint(fp[i]);

  return {
    survey: 'ztf',
    alertId,
    surveyObjectId: required(str(packet, 'objectId'), 'objectId'),
    ssObjectId: null,
    ra: num(cand, 'ra') ?? NaN,
    dec: num(cand, 'dec') ?? NaN,
    mjd,
    night: utcNight(mjd),
    band: ztfBand(num(cand, 'fid')),
    mag,
    magErr,
    flux,
    fluxErr: fluxErrFromMag(flux, magErr),
    isDiffPos: pos,
    programId: num(cand, 'programid'),
    exposureId: big(cand, 'pid'),
    detector: num(cand, 'rcid'),
    field: num(cand, 'field'),
    schemaVersion: str(packet, 'schemavsn') ?? '',
    candidate: cand,
    prvDetections,
    nonDetections,
    forcedPhotometry,
    cutouts: makeCutouts(stamp(packet, 'cutoutScience'), stamp(packet, 'cutoutTemplate'), stamp(packet, 'cutoutDifference')),
    extra: extraFields(packet, USED),
  };
}

export interface ZtfDecoderOptions extends ContainerOptions {}

/** Decodes ZTF Kafka messages (Avro container files, one or more alerts each). */
export class ZtfDecoder {
  readonly cache: SchemaCache;
  private readonly maxBlockBytes: number | undefined;

  constructor(opts: ZtfDecoderOptions = {}) {
    this.cache = opts.cache ?? new SchemaCache();
    this.maxBlockBytes = opts.maxBlockBytes;
  }

  decode(message: Uint8Array): Alert[] {
    if (!(message instanceof Uint8Array)) throw new TypeError(`message must be a Uint8Array, got ${typeof message}`);
    if (message.length === 0) throw new DecodeError('empty_message', 'message is empty');
    const c = readContainer(message, { cache: this.cache, maxBlockBytes: this.maxBlockBytes });
    const survey = surveyOfSchema(c.schema);
    if (survey !== 'ztf') {
      throw new DecodeError(survey === null ? 'unknown_survey' : 'wrong_survey', `schema ${c.schema.name} is not a ZTF alert`);
    }
    if (c.records.length === 0) throw new DecodeError('no_records', 'container holds no alert');
    return c.records.map((r) => normalizeZtf(r as SurveyRecord));
  }
}
