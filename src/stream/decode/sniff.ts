// Which survey a writer schema belongs to: by name first ('ztf.alert',
// 'lsst.vX_Y.alert'), then by shape, for brokers that re-publish packets
// under their own schema name (Fink's Spark writer calls it 'topLevelRecord').

import type { Survey } from '../alert.js';
import type { ParsedSchema } from '../avro/schema-cache.js';

const LSST_NAME = /^lsst\.v(\d+)_(\d+)\.alert$/;
const LSST_NS = /^lsst\.v(\d+)_(\d+)$/;

const memo = new WeakMap<ParsedSchema, Survey | null>();

function fieldNames(schema: ParsedSchema): Set<string> {
  const fields = (schema.type as unknown as { fields?: readonly { name: string }[] }).fields ?? [];
  return new Set(fields.map((f) => f.name));
}

export function surveyOfSchema(schema: ParsedSchema): Survey | null {
  let s = memo.get(schema);
  if (s !== undefined) return s;
  const names = fieldNames(schema);
  if (schema.name === 'ztf.alert' || (names.has('candidate') && names.has('objectId'))) s = 'ztf';
  else if (LSST_NAME.test(schema.name) || names.has('diaSource')) s = 'lsst';
  else s = null;
  memo.set(schema, s);
  return s;
}

/** 'X.Y' from 'lsst.vX_Y.alert' or 'lsst.vX_Y', else null. */
export function lsstVersionOf(name: string | null): string | null {
  if (name === null) return null;
  const m = LSST_NAME.exec(name) ?? LSST_NS.exec(name);
  return m === null ? null : `${Number(m[1])}.${Number(m[2])}`;
}

/** Rubin's registry convention: version X.Y is schema id X*100 + Y. */
export function lsstSchemaId(version: string): number | null {
  const m = /^(\d+)\.(\d+)$/.exec(version);
  if (m === null || Number(m[2]) > 99) return null;
  return Number(m[1]) * 100 + Number(m[2]);
}

export function lsstVersionOfId(id: number): string {
  return `${Math.floor(id / 100)}.${id % 100}`;
}
