import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/stream/alert.js';
import { readContainer } from '../../../src/stream/avro/container.js';
import { SchemaCache } from '../../../src/stream/avro/schema-cache.js';
import { AlertDecoder, DecodeError, ZtfDecoder, validateAlert } from '../../../src/stream/decode/index.js';
import { DATA, FINK_LSST, ZTF_ALERTS, bytes, readCsv, walk } from './data.js';

const index = readCsv(path.join(DATA, 'ztf/alerts_index.csv'));
const files = walk(ZTF_ALERTS);

// Decoded once for the whole file: [relative path, alerts].
const decoded = new Map<string, Alert[]>();
let decoder: ZtfDecoder;

beforeAll(() => {
  decoder = new ZtfDecoder();
  for (const f of files) decoded.set(path.relative(DATA, f), decoder.decode(bytes(f)));
});

function sync(x: Alert[] | Promise<Alert[]>): Alert[] {
  if (x instanceof Promise) throw new Error('expected a synchronous decode');
  return x;
}

describe('ZTF packets', () => {
  it('decodes every file, with the record counts of the index', () => {
    expect(files.length).toBe(259);
    const perFile = new Map<string, number>();
    for (const r of index) perFile.set(r.file, (perFile.get(r.file) ?? 0) + 1);
    expect([...decoded.keys()].sort()).toEqual([...perFile.keys()].sort());
    for (const [file, n] of perFile) expect(decoded.get(file)?.length, file).toBe(n);
    expect(index.length).toBe(261);
  });

  it('agrees with alerts_index.csv on ids, position, time, band and photometry for all 261 alerts', () => {
    for (const row of index) {
      const a = (decoded.get(row.file) as Alert[])[Number(row.record)];
      const where = `${row.file}#${row.record}`;
      expect(a.survey, where).toBe('ztf');
      expect(a.alertId, where).toBe(BigInt(row.candid));
      expect(a.candidate.candid, where).toBe(BigInt(row.candid));
      expect(a.surveyObjectId, where).toBe(row.objectId);
      expect(a.ra, where).toBe(Number(row.ra));
      expect(a.dec, where).toBe(Number(row.dec));
      expect(a.candidate.jd, where).toBe(Number(row.jd));
      expect(a.mjd, where).toBe(Number(row.jd) - 2400000.5);
      expect(a.candidate.fid, where).toBe(Number(row.fid));
      expect(a.band, where).toBe(['g', 'r', 'i'][Number(row.fid) - 1]);
      expect(a.mag, where).toBe(Number(row.magpsf));
      expect(a.magErr, where).toBe(Number(row.sigmapsf));
      expect(a.programId, where).toBe(Number(row.programid));
      expect(a.isDiffPos, where).toBe(row.isdiffpos === 't' || row.isdiffpos === '1');
      expect(a.schemaVersion, where).toBe(row.schemavsn);
      // night = UTC date of jd; the index's utc column is the same instant.
      expect(a.night, where).toBe(row.utc.slice(0, 10).replaceAll('-', ''));
      expect(validateAlert(a), where).toBeNull();
    }
  });

  it('keeps every prv_candidate (detections + upper limits) and fp_hist', () => {
    for (const row of index) {
      const a = (decoded.get(row.file) as Alert[])[Number(row.record)];
      const where = `${row.file}#${row.record}`;
      expect(a.prvDetections.length + a.nonDetections.length, where).toBe(Number(row.n_prv_candidates));
      expect(a.forcedPhotometry.length, where).toBe(row.n_fp_hists === '' ? 0 : Number(row.n_fp_hists));
      for (const d of a.prvDetections) {
        expect(typeof d.alertId).toBe('bigint');
        expect(d.record.candid).toBe(d.alertId);
        expect(d.mjd).toBeLessThan(a.mjd);
      }
      for (const u of a.nonDetections) {
        expect(u.record.candid).toBeNull();
        expect(u.mjd).toBeLessThan(a.mjd);
        expect(u.band).not.toBeNull();
      }
    }
  });

  it('carries the cutout bytes with the sizes of the index', () => {
    for (const row of index) {
      const a = (decoded.get(row.file) as Alert[])[Number(row.record)];
      const where = `${row.file}#${row.record}`;
      const size = (b: Uint8Array | null): string => (b === null ? '' : String(b.length));
      expect(size(a.cutouts.science), where).toBe(row.cutoutScience_bytes);
      expect(size(a.cutouts.template), where).toBe(row.cutoutTemplate_bytes);
      expect(size(a.cutouts.difference), where).toBe(row.cutoutDifference_bytes);
      if (a.cutouts.science !== null) {
        expect(a.cutouts.format).toBe('fits.gz');
        expect(a.cutouts.science).toBeInstanceOf(Uint8Array);
      }
    }
  });

  it('gives the same alert for the same packet written with schema 3.2 and 3.3', () => {
    const a32 = decoded.get('ztf/alerts/ampel_misc/schema_3.2.avro')?.[0] as Alert;
    const a33 = decoded.get('ztf/alerts/ampel_misc/schema_3.3.avro')?.[0] as Alert;
    expect(a32.schemaVersion).toBe('3.2');
    expect(a33.schemaVersion).toBe('3.3');
    const { schemaVersion: _v32, candidate: c32, ...rest32 } = a32;
    const { schemaVersion: _v33, candidate: c33, ...rest33 } = a33;
    expect(rest32).toStrictEqual(rest33);
    // 3.3 only adds drb/drbversion to the candidate; every 3.2 field is equal.
    expect(Object.keys(c33).filter((k) => !(k in c32))).toEqual(['drb', 'drbversion']);
    for (const k of Object.keys(c32)) expect(c33[k], k).toStrictEqual(c32[k]);
  });

  it('follows ZTF21abiuvdk: 34 alerts over 22 nights, each with its 30-day history', () => {
    const alerts = [...decoded.entries()]
      .filter(([f]) => f.includes('pgb_ZTF21abiuvdk_lightcurve'))
      .flatMap(([, a]) => a)
      .sort((x, y) => x.mjd - y.mjd);
    expect(alerts.length).toBe(34);
    expect(new Set(alerts.map((a) => a.surveyObjectId))).toEqual(new Set(['ZTF21abiuvdk']));
    expect(new Set(alerts.map((a) => a.night)).size).toBe(22);
    for (const a of alerts) {
      // ZTF sends the last 30 days of history; here every earlier detection in
      // that window is itself one of the 34 alerts.
      const earlier = alerts.filter((b) => b.mjd < a.mjd && a.mjd - b.mjd < 30).map((b) => b.alertId);
      expect(new Set(a.prvDetections.map((d) => d.alertId))).toEqual(new Set(earlier));
    }
    expect(alerts.reduce((n, a) => n + a.nonDetections.length, 0)).toBeGreaterThan(0);
  });

  it('reads a container holding three alerts', () => {
    const three = decoded.get('ztf/alerts/finkclient_multi_container/avro_multi_alerts_other.avro') as Alert[];
    expect(three.map((a) => a.surveyObjectId).length).toBe(3);
    expect(new Set(three.map((a) => a.alertId)).size).toBe(3);
  });

  it('gives forced photometry in nJy from schema 4.0 on', () => {
    const a = decoded.get('ztf/alerts/kowalski_20231012/2475433850015010009.avro')?.[0] as Alert;
    expect(a.forcedPhotometry.length).toBe(21);
    for (const p of a.forcedPhotometry) {
      const raw = p.record.forcediffimflux as number | null;
      if (raw === null || raw === -99999) expect(p.flux).toBeNull();
      else expect(p.flux).toBeCloseTo(raw * 10 ** (0.4 * (31.4 - (p.record.magzpsci as number))), 6);
      expect(p.band).toBe(['g', 'r', 'i'][(p.record.fid as number) - 1]);
    }
  });

  it('keeps candid beyond 2^53 exact', () => {
    const a = decoded.get('ztf/alerts/pittgoogle_client/ztf_20250302_programid1_ZTF17aaarzyp_2982177112815010003.v4_02.avro')?.[0] as Alert;
    expect(a.alertId).toBe(2982177112815010003n);
    expect(a.alertId > 2n ** 53n).toBe(true);
    expect(typeof a.exposureId).toBe('bigint');
  });
});

describe('writer schema cache', () => {
  it('parses each distinct schema text once, however many messages use it', () => {
    const cache = new SchemaCache();
    const dec = new AlertDecoder({ cache });
    for (const f of files) sync(dec.decode(bytes(f)));
    const distinct = cache.parses;
    expect(distinct).toBe(cache.size);
    expect(distinct).toBeLessThanOrEqual(13); // 13 distinct ZTF schema texts in the data
    for (const f of files) sync(dec.decode(bytes(f)));
    expect(cache.parses).toBe(distinct);
  });

  it('fixes the union defaults of 3.x writer schemas and leaves 4.x alone', () => {
    const cache = new SchemaCache();
    const v30 = readContainer(bytes(path.join(ZTF_ALERTS, 'ampel_20180819_mod1000_v3.0/595147624915010001.avro')), { cache });
    const v402 = readContainer(bytes(path.join(ZTF_ALERTS, 'boom/2695378462115010012.avro')), { cache });
    expect(v30.schema.defaultsDropped).toBeGreaterThan(0);
    expect(v402.schema.defaultsDropped).toBe(0);
    expect(v30.schema.name).toBe('ztf.alert');
    expect(v30.schema.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('decoded records are plain objects', () => {
    const a = decoded.get('ztf/alerts/boom/2695378462115010012.avro')?.[0] as Alert;
    expect(Object.getPrototypeOf(a.candidate)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(a.prvDetections[0]?.record ?? a.nonDetections[0].record)).toBe(Object.prototype);
    expect(structuredClone(a.candidate)).toStrictEqual(a.candidate);
  });

  it('ZtfDecoder refuses a Rubin container', () => {
    expect(() => decoder.decode(bytes(FINK_LSST))).toThrow(expect.objectContaining({ reason: 'wrong_survey' }));
    expect(() => decoder.decode(bytes(FINK_LSST))).toThrow(DecodeError);
  });
});
