// Typed reads of decoded Avro records. Values come straight from avsc (union
// branches unwrapped), so a nullable field is either its type or null.

import type { Band, Cutouts, SurveyRecord } from '../alert.js';
import { DecodeError } from '../avro/errors.js';

export function isRecord(v: unknown): v is SurveyRecord {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function num(r: SurveyRecord, key: string): number | null {
  const v = r[key];
  return typeof v === 'number' ? v : null;
}

export function big(r: SurveyRecord, key: string): bigint | null {
  const v = r[key];
  return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : null;
}

export function str(r: SurveyRecord, key: string): string | null {
  const v = r[key];
  return typeof v === 'string' ? v : null;
}

export function records(r: SurveyRecord, key: string): SurveyRecord[] {
  const v = r[key];
  return Array.isArray(v) ? (v as SurveyRecord[]) : [];
}

/** A field the alert cannot be built without. */
export function required<T>(value: T | null, what: string): T {
  if (value === null) throw new DecodeError('bad_alert', `packet has no usable ${what}`);
  return value;
}

const BAND_SET = new Set(['u', 'g', 'r', 'i', 'z', 'y']);

export function bandOf(letter: string | null): Band | null {
  return letter !== null && BAND_SET.has(letter) ? (letter as Band) : null;
}

const ZTF_BANDS: (Band | null)[] = [null, 'g', 'r', 'i'];

export function ztfBand(fid: number | null): Band | null {
  return fid !== null && fid >= 1 && fid <= 3 ? ZTF_BANDS[fid] : null;
}

function sniffCutoutFormat(b: Uint8Array | null): Cutouts['format'] {
  if (b === null || b.length < 2) return null;
  return b[0] === 0x1f && b[1] === 0x8b ? 'fits.gz' : 'fits';
}

export function makeCutouts(science: Uint8Array | null, template: Uint8Array | null, difference: Uint8Array | null): Cutouts {
  return {
    science,
    template,
    difference,
    format: sniffCutoutFormat(science ?? template ?? difference),
  };
}

/** Top-level fields of `packet` not in `used`, for Alert.extra. */
export function extraFields(packet: SurveyRecord, used: ReadonlySet<string>): SurveyRecord {
  const out: SurveyRecord = {};
  for (const k of Object.keys(packet)) if (!used.has(k)) out[k] = packet[k];
  return out;
}
