import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateAlert, type Alert } from '../../src/stream/decoding/alert.js';
import { cachedTypes } from '../../src/stream/decoding/avro-types.js';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { DecodeError } from '../../src/stream/decoding/errors.js';
import { fileSourceFiles } from '../../src/stream/sources/file.js';
import { SHARED_DATA, readCsv } from '../support/vectors.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const dec = new AlertDecoder({ lsstSchemas: path.join(SHARED_DATA, 'lsst', 'schema') });

async function decodeFile(rel: string): Promise<Alert[]> {
  return dec.decode(readFileSync(path.join(SHARED_DATA, rel)));
}

describe('ZTF alerts (schemas 3.0 to 4.02)', () => {
  it('skimming (the pipeline reads only the fields it uses) gives the same alerts, raw bytes and histories', async () => {
    const full = new AlertDecoder(), skim = new AlertDecoder({ skim: true });
    const all = fileSourceFiles(ZTF);
    expect(all.length).toBe(259);
    for (const f of all) {
      const bytes = readFileSync(f);
      const a = await full.decodeWithRaw(bytes), b = await skim.decodeWithRaw(bytes);
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) {
        expect({ ...b[i].alert, candidate: {} }, f).toEqual({ ...a[i].alert, candidate: {} });
        expect(Buffer.from(b[i].raw).equals(Buffer.from(a[i].raw))).toBe(true);
        // What is kept of the candidate is exactly what was decoded in full.
        for (const [k, v] of Object.entries(b[i].alert.candidate)) expect(v, k).toEqual(a[i].alert.candidate[k]);
        // The pipeline's fields and the scores users' filters read (src/filters/fields.ts), not the ~100 others.
        expect(Object.keys(b[i].alert.candidate).length).toBeLessThanOrEqual(15);
      }
    }
  });

  it('every packet decodes and agrees with alerts_index.csv, ids exact', async () => {
    const index = readCsv(path.join(SHARED_DATA, 'ztf', 'alerts_index.csv'));
    expect(index).toHaveLength(261);
    const byFile = new Map<string, Alert[]>();
    for (const row of index) {
      if (!byFile.has(row.file)) byFile.set(row.file, await decodeFile(row.file));
      const a = byFile.get(row.file)![Number(row.record)];
      expect(a.survey).toBe('ztf');
      expect(a.alertId).toBe(BigInt(row.candid));
      expect(a.surveyObjectId).toBe(row.objectId);
      expect(a.schemaVersion).toBe(row.schemavsn);
      expect(a.ra).toBe(Number(row.ra));
      expect(a.dec).toBe(Number(row.dec));
      expect(a.mjd).toBeCloseTo(Number(row.jd) - 2400000.5, 9);
      expect(a.band).toBe({ 1: 'g', 2: 'r', 3: 'i' }[Number(row.fid)]);
      expect(a.mag).toBeCloseTo(Number(row.magpsf), 9);
      expect(a.prvDetections.length + a.nonDetections.filter((n) => n.kind === 'upper-limit').length).toBe(Number(row.n_prv_candidates));
      expect(a.nonDetections.filter((n) => n.kind === 'forced').length).toBe(row.n_fp_hists === '' ? 0 : Number(row.n_fp_hists));
      expect(a.cutouts.science?.length ?? 0).toBe(row.cutoutScience_bytes === '' ? 0 : Number(row.cutoutScience_bytes));
      expect(a.cutouts.difference?.length ?? 0).toBe(row.cutoutDifference_bytes === '' ? 0 : Number(row.cutoutDifference_bytes));
      expect(validateAlert(a)).toBeNull();
    }
    // One parsed type per distinct schema, not per message.
    expect(cachedTypes()).toBeLessThan(40);
  });

  it('the same alert in schema 3.2 and 3.3 normalises to the same alert', async () => {
    const [a] = await decodeFile('ztf/alerts/ampel_misc/schema_3.2.avro');
    const [b] = await decodeFile('ztf/alerts/ampel_misc/schema_3.3.avro');
    expect(a.alertId).toBe(472263571115115000n);
    const strip = (x: Alert) => ({ ...x, schemaVersion: '', candidate: {} });
    expect(strip(b)).toEqual(strip(a));
  });

  it('ZTF21abiuvdk: 34 alerts over 22 nights with their histories', async () => {
    const dir = path.join(ZTF, 'pgb_ZTF21abiuvdk_lightcurve');
    const alerts = (await Promise.all(readdirSync(dir).map((f) => dec.decode(readFileSync(path.join(dir, f)))))).flat();
    expect(alerts).toHaveLength(34);
    expect(new Set(alerts.map((a) => a.surveyObjectId))).toEqual(new Set(['ZTF21abiuvdk']));
    expect(new Set(alerts.map((a) => a.night)).size).toBe(22);
    const last = alerts.sort((x, y) => x.mjd - y.mjd).at(-1)!;
    expect(last.prvDetections.length).toBeGreaterThan(10);
    // Every earlier alert of the object appears in the last one's history.
    const prvIds = new Set(last.prvDetections.map((d) => d.alertId));
    // (prv_candidates reach back 30 days)
    expect(alerts.slice(0, -1).filter((a) => prvIds.has(a.alertId)).length).toBeGreaterThanOrEqual(10);
  });
});

describe('Rubin alerts', () => {
  it('the 100 real alerts (schema 9.0, Fink container) agree with real_alerts_index.csv', async () => {
    const index = readCsv(path.join(SHARED_DATA, 'lsst', 'real_alerts_index.csv'));
    const alerts = await decodeFile(index[0].file);
    expect(alerts).toHaveLength(100);
    index.forEach((row, i) => {
      const a = alerts[Number(row.record)];
      expect(a.survey).toBe('lsst');
      expect(a.alertId).toBe(BigInt(row.diaSourceId));
      expect(a.surveyObjectId).toBe(row.diaObjectId !== '0' ? row.diaObjectId : `ss${row.ssObjectId}`);
      expect(a.ra).toBe(Number(row.ra));
      expect(a.dec).toBe(Number(row.dec));
      expect(a.mjd).toBe(Number(row.midpointMjdTai));
      expect(a.band).toBe(row.band);
      expect(a.flux).toBeCloseTo(Number(row.psfFlux_nJy), 6);
      expect(a.visit).toBe(BigInt(row.visit));
      expect(a.nonDetections.length).toBe(Number(row.n_prvDiaForcedSources));
      expect(Boolean(a.cutouts.difference)).toBe(row.has_cutouts === '1');
      expect(a.schemaVersion).toBe('9.0');
      void i;
    });
    expect(alerts.some((a) => a.alertId > 2n ** 53n)).toBe(true);
  });

  it('decodes the Confluent wire sample with the 11.1 folder and through a schema registry', async () => {
    const msg = readFileSync(path.join(SHARED_DATA, 'lsst', 'samples', 'pittgoogle_lsst_v11_1_confluent_wire.avro'));
    const [a] = await dec.decode(msg);
    expect(a).toMatchObject({ survey: 'lsst', alertId: 1231321321n, schemaVersion: '11.1' });
    // A registry serving schema 1101 as one JSON text (the alert with its records inlined).
    const dir = path.join(SHARED_DATA, 'lsst', 'schema', '11.1');
    const parts = Object.fromEntries(readdirSync(dir).map((f) => [f.split('.')[2], JSON.parse(readFileSync(path.join(dir, f), 'utf8'))]));
    const defined = new Set<string>();
    const inline = (s: unknown): unknown => {
      if (typeof s === 'string' && s.startsWith('lsst.v11_1.') && parts[s.split('.')[2]] && !defined.has(s)) {
        defined.add(s);
        return inline(parts[s.split('.')[2]]);
      }
      if (Array.isArray(s)) return s.map(inline);
      if (s && typeof s === 'object') return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'name' || k === 'namespace' ? v : inline(v)]));
      return s;
    };
    const schema = JSON.stringify(inline(parts.alert));
    const server = createServer((req, res) => {
      if (req.url === '/schemas/ids/1101') res.end(JSON.stringify({ schema }));
      else { res.statusCode = 404; res.end('{}'); }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const viaRegistry = new AlertDecoder({ schemaRegistryUrl: url });
      const [b] = await viaRegistry.decode(msg);
      expect({ ...b, candidate: {} }).toEqual({ ...a, candidate: {} });
      const unknown = Buffer.from(msg);
      unknown.writeUInt32BE(999, 1);
      await expect(viaRegistry.decode(unknown)).rejects.toMatchObject({ reason: 'unknown-schema-id' });
    } finally {
      server.close();
    }
    await expect(new AlertDecoder({ schemaRegistryUrl: 'http://127.0.0.1:1' }).decode(msg)).rejects.toMatchObject({ reason: 'schema-registry-unavailable' });
  });
});

describe('bad messages', () => {
  it('give a DecodeError with a reason, never a crash or a hang', async () => {
    const good = readFileSync(path.join(ZTF, 'ampel_misc', 'schema_3.3.avro'));
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'empty-message'],
      [Buffer.from('hello'), 'bad-container'],
      [good.subarray(0, 40), 'truncated'],
      [good.subarray(0, good.length - 20), 'truncated'],
      [Buffer.concat([Buffer.from([0, 0, 0, 0x04, 0x4d]), Buffer.alloc(10)]), 'truncated'],
      [Buffer.from([0, 0, 0, 0x01, 0x02, 1, 2, 3]), 'unknown-schema-id'],
    ];
    for (const [bytes, reason] of cases) {
      const err = await dec.decode(bytes).then(() => null, (e) => e);
      expect(err, reason).toBeInstanceOf(DecodeError);
      expect(err.reason).toBe(reason);
    }
    // Random corruption of a real packet: always a DecodeError or a valid decode.
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(good);
      for (let k = 0; k < 4; k++) b[Math.floor(((i * 7919 + k * 104729) % b.length))] ^= 0x5a;
      await dec.decode(b).then(() => undefined, (e) => expect(e).toBeInstanceOf(DecodeError));
    }
  });
});
