import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/stream/alert.js';
import { readContainer } from '../../../src/stream/avro/container.js';
import { SchemaCache } from '../../../src/stream/avro/schema-cache.js';
import {
  AlertDecoder,
  DecodeError,
  FolderSchemaSource,
  LsstDecoder,
  surveyOfSchema,
  validateAlert,
} from '../../../src/stream/decode/index.js';
import { DATA, FAKE_V11, FINK_LSST, LSST_SCHEMAS, WIRE_SAMPLE, bytes, readCsv } from './data.js';

function sync(x: Alert[] | Promise<Alert[]>): Alert[] {
  if (x instanceof Promise) throw new Error('expected a synchronous decode');
  return x;
}

function withSchemaId(message: Uint8Array, id: number): Buffer {
  const copy = Buffer.from(message);
  copy.writeUInt32BE(id, 1);
  return copy;
}

describe('Rubin alerts re-published by Fink (container, schema 9.0)', () => {
  const index = readCsv(path.join(DATA, 'lsst/real_alerts_index.csv'));
  const alerts = sync(new AlertDecoder().decode(bytes(FINK_LSST)));

  it("embeds Fink's Spark writer schema, recognised as Rubin by its shape", () => {
    const c = readContainer(bytes(FINK_LSST), { cache: new SchemaCache() });
    expect(c.schema.name).toBe('topLevelRecord');
    expect(surveyOfSchema(c.schema)).toBe('lsst');
    // Every field is a nullable union with null second (Spark's writer).
    const fields = JSON.parse(c.schema.text).fields as { name: string; type: unknown }[];
    expect(fields.every((f) => Array.isArray(f.type) && f.type[1] === 'null')).toBe(true);
    expect(fields.map((f) => f.name)).toContain('lsst_schema_version');
  });

  it('decodes the 100 alerts and agrees with real_alerts_index.csv', () => {
    expect(alerts.length).toBe(100);
    expect(index.length).toBe(100);
    for (const row of index) {
      const a = alerts[Number(row.record)];
      const src = a.candidate;
      const where = `record ${row.record}`;
      expect(a.survey, where).toBe('lsst');
      expect(a.alertId, where).toBe(BigInt(row.diaSourceId));
      expect(src.diaObjectId, where).toBe(BigInt(row.diaObjectId));
      expect(src.ssObjectId ?? 0n, where).toBe(BigInt(row.ssObjectId));
      expect(a.ra, where).toBe(Number(row.ra));
      expect(a.dec, where).toBe(Number(row.dec));
      expect(src.midpointMjdTai, where).toBe(Number(row.midpointMjdTai));
      expect(a.mjd, where).toBeCloseTo(Number(row.midpointMjdTai) - 37 / 86400, 9);
      expect(a.band, where).toBe(row.band);
      expect(a.exposureId, where).toBe(BigInt(row.visit));
      expect(a.detector, where).toBe(Number(row.detector));
      expect(a.flux, where).toBe(Number(row.psfFlux_nJy));
      expect(src.snr, where).toBe(Number(row.snr));
      expect(src.reliability, where).toBe(Number(row.reliability));
      expect(a.prvDetections.length, where).toBe(Number(row.n_prvDiaSources));
      expect(a.forcedPhotometry.length, where).toBe(Number(row.n_prvDiaForcedSources));
      expect(a.cutouts.science !== null, where).toBe(row.has_cutouts === '1');
      expect(a.schemaVersion, where).toBe('9.0');
      expect(a.night, where).toBe(row.utc.slice(0, 10).replaceAll('-', ''));
      expect(validateAlert(a), where).toBeNull();
    }
  });

  it('names objects by diaObjectId, and solar-system sources by ssObjectId', () => {
    for (const row of index) {
      const a = alerts[Number(row.record)];
      if (row.diaObjectId !== '0') {
        expect(a.surveyObjectId).toBe(row.diaObjectId);
      } else {
        expect(a.surveyObjectId).toBe(`ss:${row.ssObjectId}`);
        expect(a.ssObjectId).toBe(BigInt(row.ssObjectId));
      }
    }
    expect(alerts.filter((a) => a.surveyObjectId.startsWith('ss:')).length).toBe(4);
  });

  it('keeps ids beyond 2^53 exact', () => {
    const big = alerts.filter((a) => a.alertId > 2n ** 53n);
    expect(big.length).toBe(100);
    // Two ids one apart would collapse in a double; here they stay distinct.
    expect(new Set(alerts.map((a) => a.alertId)).size).toBe(100);
    expect(alerts[0].alertId).toBe(169298432598474793n);
    expect(BigInt(Number(alerts[0].alertId))).not.toBe(alerts[0].alertId); // it does not survive a double
  });

  it('gives an AB magnitude only for positive flux, and isDiffPos from isNegative', () => {
    for (const a of alerts) {
      const flux = a.flux as number;
      if (flux > 0) expect(a.mag).toBeCloseTo(31.4 - 2.5 * Math.log10(flux), 12);
      else expect(a.mag).toBeNull();
      expect(a.isDiffPos).toBe(!(a.candidate.isNegative as boolean));
      expect(a.cutouts.format).toBe('fits');
    }
  });
});

describe('Confluent wire format', () => {
  const wire = bytes(WIRE_SAMPLE);

  it('reads the schema id of the sample (1101)', () => {
    expect(wire[0]).toBe(0);
    expect(wire.readUInt32BE(1)).toBe(1101);
  });

  it.each([
    ['the schema root folder', LSST_SCHEMAS],
    ['the 11.1 folder', path.join(LSST_SCHEMAS, '11.1')],
  ])('decodes the sample with %s', (_label, folder) => {
    const [a] = sync(new AlertDecoder({ lsstSchemas: folder }).decode(wire));
    expect(a.survey).toBe('lsst');
    expect(a.alertId).toBe(1231321321n);
    expect(a.exposureId).toBe(1n);
    expect(a.schemaVersion).toBe('11.1');
    expect(a.band).toBe('r');
    expect(a.prvDetections.map((d) => d.alertId)).toEqual([281323062375219198n, 281323062375219199n]);
    // diaSource.diaObjectId is null in this synthetic packet; the diaObject has it.
    expect(a.surveyObjectId).toBe('281323062375219201');
    expect(validateAlert(a)).toBeNull();
  });

  it('LsstDecoder decodes wire and container messages alike', () => {
    const dec = new LsstDecoder({ schemas: LSST_SCHEMAS });
    expect(sync(dec.decode(wire))[0].alertId).toBe(1231321321n);
    expect(sync(dec.decode(bytes(FINK_LSST))).length).toBe(100);
    const [fake] = sync(dec.decode(bytes(FAKE_V11)));
    expect(fake.schemaVersion).toBe('11.0');
  });

  it('compiles each folder version once', () => {
    const src = new FolderSchemaSource(LSST_SCHEMAS);
    expect(src.namespaces).toEqual(['lsst.v10_0', 'lsst.v11_0', 'lsst.v11_1', 'lsst.v9_0']);
    expect(src.get(1101)).toBe(src.get(1101));
    for (const id of [900, 1000, 1100]) expect(src.get(id).name).toMatch(/^lsst\.v\d+_0\.alert$/);
  });

  it('refuses a schema folder that does not exist', () => {
    expect(() => new FolderSchemaSource('/nonexistent/schemas')).toThrow(/lsstSchemas must be a readable folder/);
  });

  it('an unknown schema id is a DecodeError', () => {
    const dec = new AlertDecoder({ lsstSchemas: LSST_SCHEMAS });
    for (const id of [1299, 0, 4_000_000_000]) {
      expect(() => dec.decode(withSchemaId(wire, id))).toThrow(expect.objectContaining({ name: 'DecodeError', reason: 'unknown_schema_id' }));
    }
    expect(() => new AlertDecoder().decode(wire)).toThrow(expect.objectContaining({ reason: 'unknown_schema_id' }));
  });

  it('a body written with another schema version fails cleanly', () => {
    // 11.1 body read as 11.0: misaligned fields end in bad_record/truncated/trailing_bytes, never a crash.
    const dec = new AlertDecoder({ lsstSchemas: LSST_SCHEMAS });
    let err: unknown;
    try {
      sync(dec.decode(withSchemaId(wire, 1100)));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DecodeError);
  });
});
