// skyjoin replay: alert copies on a sky grid (fresh ids, history carried by
// one rotation, re-encoded with the alert's own schema), and the load
// generator against a real Kafka-protocol broker.

import { copyFileSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionOf } from '../../src/stream/replay/partition.js';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import type { Alert } from '../../src/stream/decoding/alert.js';
import { freshId, isFreshId } from '../../src/stream/replay/ids.js';
import { multiplyAlert, type AlertCopy } from '../../src/stream/replay/multiply.js';
import { AlertSlots } from '../../src/stream/replay/rewrite.js';
import { gridOffsets, gridSide, offsetRotation } from '../../src/stream/replay/rotation.js';
import { alertUnits, type AlertUnit } from '../../src/stream/replay/units.js';
import { positionAngleDeg, separationArcsec } from '../../src/sky/vector.js';
import { runCli } from '../support/cli.js';
import { startKafkaMock, type KafkaMock } from '../support/kafka-mock.js';
import { tempDir } from '../support/tmp.js';
import { SHARED_DATA } from '../support/vectors.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
// The 34th alert of ZTF21abiuvdk: 33 earlier detections and upper limits in prv_candidates.
const LIGHTCURVE = path.join(ZTF, 'pgb_ZTF21abiuvdk_lightcurve', 'ZTF21abiuvdk.1707409520815015012.ztf_20210904_programid1.avro');
const FINK_LSST = path.join(SHARED_DATA, 'lsst', 'real_alerts_fink', 'fink_lsst_v9_0_20250906_100alerts.avro');
const decoder = new AlertDecoder();

async function unitOf(file: string): Promise<AlertUnit> {
  return (await alertUnits(readFileSync(file), decoder))[0];
}

async function decodeOne(value: Uint8Array): Promise<Alert> {
  const alerts = await decoder.decode(value);
  expect(alerts).toHaveLength(1);
  return alerts[0];
}

/** The unit moved by a rotation (ids kept): an alert placed where the sky is awkward. */
async function moved(unit: AlertUnit, m: Float64Array): Promise<AlertUnit> {
  const slots = new AlertSlots(unit.record);
  slots.apply(0, m);
  const bytes = unit.frame(unit.type.toBuffer(unit.record));
  slots.restore();
  return (await alertUnits(bytes, decoder))[0];
}

/** Rotation about the z axis by deg (moves RA only). */
function zRotation(deg: number): Float64Array {
  const a = (deg * Math.PI) / 180;
  return Float64Array.from([Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a), 0, 0, 0, 1]);
}

/** East / north offsets (arcsec) of (ra, dec) from (ra0, dec0), from separation and position angle. */
function offsets(ra0: number, dec0: number, ra: number, dec: number): [number, number] {
  const s = separationArcsec(ra0, dec0, ra, dec), pa = (positionAngleDeg(ra0, dec0, ra, dec) * Math.PI) / 180;
  return [s * Math.sin(pa), s * Math.cos(pa)];
}

/** What must not change between copies: everything but ids, names and positions. */
function shape(a: Alert): unknown {
  const drop = new Set(['alertId', 'surveyObjectId', 'ra', 'dec', 'ranr', 'decnr', 'trailRa', 'trailDec', 'candid', 'objectId', 'diaSourceId', 'diaObjectId', 'diaForcedSourceId', 'parentDiaSourceId', 'ssObjectId']);
  return JSON.parse(JSON.stringify(a, (k, v) => (drop.has(k) ? undefined : typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)));
}

/** Checks a set of copies of one alert: grid, exact separations, fresh ids, history moved along. */
async function checkCopies(unit: AlertUnit, copies: AlertCopy[], spacing: number, localFrame = true): Promise<Alert[]> {
  const n = gridSide(copies.length);
  const grid = gridOffsets(n);
  const orig = unit.alert;
  const decoded = await Promise.all(copies.map((c) => decodeOne(c.value)));
  expect(new Set(decoded.map((a) => a.alertId)).size).toBe(copies.length);
  for (const [c, a] of decoded.entries()) {
    expect(copies[c].copy).toBe(c);
    expect(a.alertId).toBe(copies[c].alertId);
    expect(a.alertId).toBe(freshId(orig.alertId, c));
    expect(isFreshId(a.alertId)).toBe(c > 0);
    expect(a.ra).toBeGreaterThanOrEqual(0);
    expect(a.ra).toBeLessThan(360);
    expect(Math.abs(a.dec)).toBeLessThanOrEqual(90);
    expect([a.ra, a.dec]).toEqual([copies[c].ra, copies[c].dec]);
    // The copy sits at its grid offset: exact great-circle distance and direction.
    const [i, j] = [grid[2 * c], grid[2 * c + 1]];
    expect(separationArcsec(orig.ra, orig.dec, a.ra, a.dec)).toBeCloseTo(spacing * Math.hypot(i, j), 6);
    if (c > 0) {
      const pa = positionAngleDeg(orig.ra, orig.dec, a.ra, a.dec), want = (Math.atan2(i, j) * 180) / Math.PI;
      expect(Math.abs(((pa - want + 540) % 360) - 180)).toBeLessThan(1e-6);
    }
    // History: the same earlier detections under the copy's ids, each keeping its offset from the alert.
    expect(a.prvDetections.map((p) => p.alertId)).toEqual(orig.prvDetections.map((p) => freshId(p.alertId, c)));
    for (const [k, p] of a.prvDetections.entries()) {
      const o = orig.prvDetections[k];
      expect(separationArcsec(a.ra, a.dec, p.ra, p.dec)).toBeCloseTo(separationArcsec(orig.ra, orig.dec, o.ra, o.dec), 6);
      // Rigid motion: distances between history points are kept too.
      const o1 = orig.prvDetections[(k + 1) % orig.prvDetections.length], p1 = a.prvDetections[(k + 1) % a.prvDetections.length];
      expect(separationArcsec(p.ra, p.dec, p1.ra, p1.dec)).toBeCloseTo(separationArcsec(o.ra, o.dec, o1.ra, o1.dec), 6);
      // Away from the poles the east / north offsets stay (to 1 mas) too; over a
      // pole "north" itself turns round, so only distances are the invariant there.
      if (!localFrame) continue;
      const [e1, n1] = offsets(orig.ra, orig.dec, o.ra, o.dec), [e2, n2] = offsets(a.ra, a.dec, p.ra, p.dec);
      expect(Math.hypot(e2 - e1, n2 - n1)).toBeLessThan(1e-3);
    }
    expect(shape(a)).toEqual(shape(orig));
  }
  return decoded;
}

describe('multiplyAlert', () => {
  it('makes 9 copies of a real ZTF alert on a 3 x 3 grid, with fresh ids and its history moved along', async () => {
    const unit = await unitOf(LIGHTCURVE);
    expect(unit.alert.prvDetections.length).toBeGreaterThan(10);
    const before = unit.type.toBuffer(unit.record);
    const copies = multiplyAlert(unit, 9, { spacingArcsec: 60 });
    expect(copies).toHaveLength(9);
    // Copy 0 is the real alert, bytes unchanged; the unit is left as it was.
    expect(copies[0].value.equals(readFileSync(LIGHTCURVE))).toBe(true);
    expect(unit.type.toBuffer(unit.record).equals(before)).toBe(true);
    const decoded = await checkCopies(unit, copies, 60);
    expect(decoded.map((a) => a.surveyObjectId)).toEqual(['ZTF21abiuvdk', ...Array.from({ length: 8 }, (_, c) => `ZTF21abiuvdk_c${c + 1}`)]);
    // The 3 x 3 grid around the original, each cell once.
    const cells = decoded.map((a) => offsets(unit.alert.ra, unit.alert.dec, a.ra, a.dec).map((x) => Math.round(x / 60)).join(','));
    expect(new Set(cells)).toEqual(new Set(['-1,-1', '0,-1', '1,-1', '-1,0', '0,0', '1,0', '-1,1', '0,1', '1,1']));
    // Deterministic: a rerun gives the same bytes.
    const again = multiplyAlert(unit, 9, { spacingArcsec: 60 });
    expect(again.map((c) => c.value.toString('base64'))).toEqual(copies.map((c) => c.value.toString('base64')));
    // The reference-source position (ranr, decnr) moves with the candidate.
    const c4 = decoded[4].candidate, c0 = unit.alert.candidate;
    expect(separationArcsec(c4.ra as number, c4.dec as number, c4.ranr as number, c4.decnr as number))
      .toBeCloseTo(separationArcsec(c0.ra as number, c0.dec as number, c0.ranr as number, c0.decnr as number), 6);
  });

  it('copies across RA 0/360', async () => {
    const unit = await unitOf(LIGHTCURVE);
    const atWrap = await moved(unit, zRotation(359.99 - unit.alert.ra));
    expect(atWrap.alert.ra).toBeCloseTo(359.99, 9);
    const copies = multiplyAlert(atWrap, 9, { spacingArcsec: 60 });
    const decoded = await checkCopies(atWrap, copies, 60);
    // 60" east of ra 359.99 at dec ~16 deg is past 0h: the eastern column wraps.
    expect(decoded.filter((a) => a.ra < 1)).toHaveLength(3);
    expect(decoded.filter((a) => a.ra > 359)).toHaveLength(6);
  });

  it('copies around the pole without invalid positions', async () => {
    const unit = await unitOf(LIGHTCURVE);
    // Carry the alert to 10" from the north pole: the 60" grid goes over the pole.
    const [ra0, dec0] = [unit.alert.ra, unit.alert.dec];
    const m = offsetRotation(ra0, dec0, 0, (90 - dec0) * 3600 - 10);
    const nearPole = await moved(unit, m);
    expect(nearPole.alert.dec).toBeCloseTo(90 - 10 / 3600, 9);
    const copies = multiplyAlert(nearPole, 9, { spacingArcsec: 60 });
    const decoded = await checkCopies(nearPole, copies, 60, false);
    // The northern row crossed the pole: its copies are on the far side (ra ~ 180 deg away).
    expect(decoded.filter((a) => Math.abs(((a.ra - nearPole.alert.ra + 540) % 360) - 180) > 90)).toHaveLength(3);
    // A copy grid centred exactly on the pole is defined too.
    const pole = offsetRotation(0, 90, 60, 0);
    expect(pole.every(Number.isFinite)).toBe(true);
  });

  it('makes fresh Rubin ids for the alerts of a Fink container, each copy its own one-alert message', async () => {
    const units = await alertUnits(readFileSync(FINK_LSST), decoder);
    expect(units).toHaveLength(100);
    const unit = units.find((u) => u.alert.surveyObjectId !== '' && !u.alert.surveyObjectId.startsWith('ss'))!;
    const copies = multiplyAlert(unit, 4, { spacingArcsec: 30 });
    const decoded = await checkCopies(unit, copies, 30);
    const orig = unit.record.diaSource as Record<string, bigint>;
    expect(decoded.map((a) => a.surveyObjectId)).toEqual([0, 1, 2, 3].map((c) => freshId(orig.diaObjectId, c).toString()));
    for (const [c, a] of decoded.entries()) {
      const s = a.candidate as Record<string, bigint>;
      expect(s.diaSourceId).toBe(freshId(orig.diaSourceId, c));
      expect(s.ssObjectId).toBe(0n); // "none" stays none
    }
    // Copy 0 of a record from a multi-alert container: a one-record container with the same record.
    expect(unit.type.fromBuffer(unit.type.toBuffer(unit.record))).toEqual(unit.record);
  });

  it('refuses a copy count that is not a square', () => {
    expect(() => gridSide(8)).toThrow(/perfect square.*got 8 \(nearest: 4 or 9\)/);
    expect(gridSide(2025)).toBe(45);
    expect(Array.from(gridOffsets(2).slice(0, 2))).toEqual([0, 0]);
  });
});

describe('skyjoin replay against Kafka', () => {
  let mock: KafkaMock;
  const tmp = tempDir();
  // A handful of real alerts from different sky regions and schema versions.
  const FILES = [
    'kowalski_20231012', 'fink_20200101', 'pgb_alerts_for_testing_20210901', 'ampel_20180819_mod1000_v3.0', 'boom',
  ];

  beforeAll(async () => {
    mock = await startKafkaMock({ topics: {} });
    await mock.createTopic('replay', 4);
    const { readdirSync } = await import('node:fs');
    for (const d of FILES) {
      const f = readdirSync(path.join(ZTF, d)).filter((x) => x.endsWith('.avro')).sort()[0];
      copyFileSync(path.join(ZTF, d, f), path.join(tmp.dir, `${d}.avro`));
    }
  });

  afterAll(async () => {
    await mock?.stop();
    tmp.cleanup();
  });

  it('produces K copies per alert, partition = region pixel mod P, all decodable', async () => {
    const r = await runCli(['replay', '--from', tmp.dir, '--to', `kafka://${mock.bootstrap.join(',')}/replay`, '--multiply', '4', '--partitions', '4']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ topic: 'replay', files: 5, alerts: 5, multiply: 4, messages: 20, interrupted: false });

    const kafka = new Kafka({ clientId: 'replay-test', brokers: mock.bootstrap, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'replay-check', sessionTimeout: 4000, heartbeatInterval: 300, maxWaitTimeInMs: 100 });
    const got: Array<{ partition: number; key: string; value: Buffer }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'replay', fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => { got.push({ partition, key: message.key!.toString(), value: message.value! }); } });
    const t = Date.now();
    while (got.length < 20 && Date.now() - t < 60_000) await new Promise((res) => setTimeout(res, 100));
    await consumer.disconnect();
    expect(got).toHaveLength(20);
    const ids = new Set<bigint>();
    const perPartition = [0, 0, 0, 0];
    for (const m of got) {
      const a = await decodeOne(m.value);
      ids.add(a.alertId);
      const region = regionOf(a.ra, a.dec, 4);
      expect(m.key).toBe(String(region));
      expect(m.partition).toBe(region % 4);
      perPartition[m.partition]++;
    }
    expect(ids.size).toBe(20);
    expect(perPartition).toEqual(report.perPartition);
    // Rate limiting: the schedule never lets the run go faster than asked.
    const slow = await runCli(['replay', '--from', tmp.dir, '--to', `kafka://${mock.bootstrap[0]}/replay-slow`, '--multiply', '4', '--rate', '40']);
    expect(slow.code).toBe(0);
    const sr = JSON.parse(slow.stdout);
    expect(sr.messages).toBe(20);
    expect(sr.rate).toBeLessThanOrEqual(40);
  });

  it('says clearly when the broker cannot be reached, or the topic has too few partitions, or K is not a square', async () => {
    const port = await new Promise<number>((res) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => res(p));
      });
    });
    const down = await runCli(['replay', '--from', tmp.dir, '--to', `kafka://127.0.0.1:${port}/x`, '--retries', '0']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/skyjoin replay: Kafka at 127\.0\.0\.1:\d+ refused the connection/);
    const few = await runCli(['replay', '--from', tmp.dir, '--to', `kafka://${mock.bootstrap[0]}/replay`, '--partitions', '8']);
    expect(few.code).toBe(1);
    expect(few.stderr).toMatch(/topic 'replay' has 4 partitions, fewer than --partitions 8/);
    const bad = await runCli(['replay', '--from', tmp.dir, '--to', `kafka://${mock.bootstrap[0]}/replay`, '--multiply', '8']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--multiply must be a perfect square/);
  });
});
