// The objects API over HTTP on loopback, against what a real stream stored:
// `skyjoin serve --data D` starts first (nothing stored yet), a watch list is
// made over HTTP, then `skyjoin stream --from file:` ingests the 34 real
// alerts of ZTF21abiuvdk into D while serve runs; every answer is checked
// against the packets themselves (decoded here from the original files).
// A second stream run while serve keeps running shows that the reader sees
// the writer's commits without a restart (and never stops it).

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import * as A from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readContainer } from '../../src/stream/decoding/container.js';
import { runBin } from '../support/bin.js';
import { startServe, type Served } from '../support/serve.js';
import { tempDir } from '../support/tmp.js';

const ALERTS = '/work/shared/data/ztf/alerts';
const LC_DIR = path.join(ALERTS, 'pgb_ZTF21abiuvdk_lightcurve');
const tmp = tempDir();
const data = path.join(tmp.dir, 'data');
const out = path.join(tmp.dir, 'out');
let srv: Served;
let key: string;
let listId: string;

type Rec = Record<string, any>;
/** Every packet of the object, decoded from the original files, with its raw record bytes. */
const packets = readdirSync(LC_DIR).sort().map((f) => {
  const bytes = readFileSync(path.join(LC_DIR, f));
  const c = readContainer(bytes);
  return { file: f, record: c.records[0] as Rec, raw: Buffer.from(c.raws[0]) };
});
const TAI_UTC_DAYS = 37 / 86400; // TAI - UTC in 2021

/**
 * Each detection as stored: an alert's own candidate wins; a detection known
 * only from history keeps the first version read (files in sorted order).
 * (ZTF's history repeats a detection with slightly revised photometry.)
 */
function expectedDetections(): Map<string, Rec> {
  const want = new Map<string, Rec>();
  for (const p of packets) want.set(String(p.record.candid), p.record.candidate);
  for (const p of packets) for (const h of p.record.prv_candidates ?? []) if (h.candid !== null && !want.has(String(h.candid))) want.set(String(h.candid), h);
  return want;
}

const json = async (u: string, headers: Record<string, string> = {}) => {
  const r = await fetch(`${srv.base}${u}`, { headers });
  return { status: r.status, body: await r.json() as Rec, headers: r.headers };
};
const auth = () => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  srv = await startServe(['--data', data]);
  const k = await runBin(['keys', 'create', 'astronomer', '--data', data]);
  expect(k.code, k.stderr).toBe(0);
  key = k.stdout.trim().split(/\s+/).at(-1)!;
  const wl = await fetch(`${srv.base}/v1/watchlists`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ name: 'SN hosts' }) });
  listId = ((await wl.json()) as Rec).id;
  const t = await fetch(`${srv.base}/v1/watchlists/${listId}/targets`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify([{ name: 'NGC 7814 SN', ra: 0.81429, dec: 16.14569, radius_arcsec: 3 }]) });
  expect(t.status).toBeLessThan(300);
  const r = await runBin(['stream', '--from', `file:${LC_DIR}`, '--data', data, '--to', `dir:${out}`, '--no-annotate', '--public-url', srv.base], { timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await srv?.stop();
  tmp.cleanup();
});

describe('objects API on a stream data folder', () => {
  let objectId: string;

  it('finds ZTF21abiuvdk by alias (bare or with its survey) and by a cone, nearest first', async () => {
    const bare = await json('/v1/objects?alias=ZTF21abiuvdk');
    expect(bare.status).toBe(200);
    expect(bare.body.count).toBe(1);
    objectId = bare.body.objects[0].object_id;
    expect(bare.body.objects[0].aliases).toEqual(['ztf:ZTF21abiuvdk']);
    expect(bare.body.objects[0].url).toBe(`${srv.base}/v1/objects/${objectId}`);
    expect((await json('/v1/objects?alias=ztf:ZTF21abiuvdk')).body.objects[0].object_id).toBe(objectId);
    expect((await json('/v1/objects?alias=ZTF99aaaaaaa')).body).toEqual({ count: 0, truncated: false, objects: [] });
    const c = packets.at(-1)!.record.candidate;
    const cone = await json(`/v1/objects?ra=${c.ra}&dec=${c.dec}&radius_arcsec=2`);
    expect(cone.body.count).toBe(1);
    expect(cone.body.objects[0].object_id).toBe(objectId);
    expect(cone.body.objects[0].sep_arcsec).toBeLessThan(0.5);
    expect((await json(`/v1/objects?ra=${c.ra + 1}&dec=${c.dec}&radius_arcsec=2`)).body.count).toBe(0);
  });

  it('GET /v1/objects/{id}: position, aliases, statistics and latest magnitudes from the packets, annotations, links', async () => {
    const { status, body } = await json(`/v1/objects/${objectId}`);
    expect(status).toBe(200);
    const dets = expectedDetections();
    expect(body.statistics.n_detections).toBe(dets.size);
    const byBand = (fid: number) => [...dets.values()].filter((d) => d.fid === fid);
    expect(body.statistics.bands.g.n_detections).toBe(byBand(1).length);
    expect(body.statistics.bands.r.n_detections).toBe(byBand(2).length);
    expect(body.statistics.bands.g.mag_min).toBeCloseTo(Math.min(...byBand(1).map((d) => d.magpsf)), 6);
    const latestG = byBand(1).sort((a, b) => b.jd - a.jd)[0];
    expect(body.latest_mag.g.mag).toBeCloseTo(latestG.magpsf, 6);
    expect(body.latest_mag.g.mjd_tai).toBeCloseTo(latestG.jd - 2400000.5 + TAI_UTC_DAYS, 9);
    const jds = [...dets.values()].map((d) => d.jd);
    expect(body.statistics.first_mjd_tai).toBeCloseTo(Math.min(...jds) - 2400000.5 + TAI_UTC_DAYS, 9);
    expect(body.statistics.first_utc).toMatch(/^2021-07-01T/);
    expect(body.aliases).toEqual(['ztf:ZTF21abiuvdk']);
    expect(body.position.mean.ra).toBeCloseTo(0.8143, 3);
    expect(body.position.latest.alert_id).toBe(String(packets.map((p) => p.record).sort((a, b) => b.candidate.jd - a.candidate.jd)[0].candid));
    // NGC 7814, 7.8" away, is the host (OpenNGC is served by default).
    expect(body.annotations.openngc[0]).toMatchObject({ id: 'NGC7814' });
    expect(body.annotations.openngc[0].sep_arcsec).toBeCloseTo(7.8, 1);
    expect(body.links.lightcurve).toBe(`${srv.base}/v1/objects/${objectId}/lightcurve`);
    expect(Object.keys(body.links.cutouts).sort()).toEqual(['difference', 'science', 'template']);
    // Anonymous callers see no watch-list hits; the list's owner sees them.
    expect(body.watchlist_hits).toEqual([]);
    const mine = await json(`/v1/objects/${objectId}`, auth());
    expect(mine.body.watchlist_hits.length).toBe(packets.length);
    expect(mine.body.watchlist_hits[0]).toMatchObject({ watchlist_id: listId, watchlist_name: 'SN hosts', object_id: objectId });
  });

  it('the light curve: every detection and upper limit of the packets, each kind apart, per band, in MJD TAI; CSV and Arrow agree', async () => {
    const { body } = await json(`/v1/objects/${objectId}/lightcurve`);
    expect(body.time_scale).toBe('tai');
    const want = expectedDetections();
    const limitRows = new Map<string, Rec>();
    for (const p of packets) for (const h of p.record.prv_candidates ?? []) if (h.candid === null) limitRows.set(`${h.jd}:${h.fid}`, h);
    const limits = new Set(limitRows.keys());
    const got = [...(body.bands.g?.detections ?? []), ...(body.bands.r?.detections ?? [])];
    expect(got.map((d: Rec) => d.alert_id).sort()).toEqual([...want.keys()].sort());
    for (const d of got) {
      const w = want.get(d.alert_id)!;
      expect(d.band).toBe(w.fid === 1 ? 'g' : 'r');
      expect(d.mag).toBeCloseTo(w.magpsf, 6);
      expect(d.mag_err).toBeCloseTo(w.sigmapsf, 6);
      expect(d.mjd_tai).toBeCloseTo(w.jd - 2400000.5 + TAI_UTC_DAYS, 9);
    }
    for (const b of Object.values(body.bands) as Rec[]) {
      const t = b.detections.map((d: Rec) => d.mjd_tai);
      expect(t).toEqual([...t].sort((x: number, y: number) => x - y));
      expect(b.forced_photometry).toEqual([]); // schema 3.3 packets carry no forced photometry
    }
    const ul = [...body.bands.g.upper_limits, ...body.bands.r.upper_limits];
    expect(ul.length).toBe(limits.size);
    for (const u of ul) {
      const w = [...limitRows.values()].find((h) => Math.abs(h.jd - 2400000.5 + TAI_UTC_DAYS - u.mjd_tai) < 1e-8 && h.fid === (u.band === 'g' ? 1 : 2))!;
      expect(w, `limit at ${u.mjd_tai}`).toBeDefined();
      expect(u.limiting_mag).toBeCloseTo(w.diffmaglim, 6);
    }

    const csv = await fetch(`${srv.base}/v1/objects/${objectId}/lightcurve?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines[0]).toBe('kind,mjd_tai,band,survey,mag,mag_err,limiting_mag,flux,flux_err,flux_unit,alert_id');
    expect(lines.filter((l) => l.startsWith('detection,')).length).toBe(want.size);
    expect(lines.filter((l) => l.startsWith('upper_limit,')).length).toBe(limits.size);
    const arrow = await fetch(`${srv.base}/v1/objects/${objectId}/lightcurve?format=arrow`);
    const table = A.tableFromIPC(new Uint8Array(await arrow.arrayBuffer()));
    expect(table.numRows).toBe(lines.length - 1);
    const kinds = table.getChild('kind')!.toArray() as string[];
    expect(kinds.filter((k) => k === 'detection').length).toBe(want.size);
    const mags = table.getChild('mag')!;
    const firstDet = kinds.indexOf('detection');
    expect(mags.get(firstDet)).toBeCloseTo(Number(lines[firstDet + 1].split(',')[4]), 12);
  });

  it('an alert decoded, its Avro record byte for byte, its cutouts as the stored FITS and as PNG', async () => {
    const p = packets.at(-1)!;
    const id = String(p.record.candid);
    const { status, body } = await json(`/v1/alerts/${id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ alert_id: id, object_id: objectId, survey: 'ztf', band: p.record.candidate.fid === 1 ? 'g' : 'r' });
    expect(body.packet.candid).toBe(id);
    expect(body.packet.objectId).toBe('ZTF21abiuvdk');
    expect(body.packet.candidate.magpsf).toBeCloseTo(p.record.candidate.magpsf, 6);
    expect(body.packet.prv_candidates.length).toBe(p.record.prv_candidates.length);
    expect(body.packet.cutoutScience.stampData).toBe(`${srv.base}/v1/alerts/${id}/cutouts/science.fits`);

    const avro = await fetch(`${srv.base}/v1/alerts/${id}/avro`);
    expect(avro.headers.get('content-type')).toBe('application/avro');
    const served = readContainer(new Uint8Array(await avro.arrayBuffer()));
    expect(served.raws).toHaveLength(1);
    expect(Buffer.from(served.raws[0]).equals(p.raw)).toBe(true);

    for (const kind of ['science', 'template', 'difference'] as const) {
      const stamp = Buffer.from(p.record[`cutout${kind[0].toUpperCase()}${kind.slice(1)}`].stampData as Uint8Array);
      // Compressed as stored for a client that accepts gzip (fetch decodes it): the same FITS bytes.
      const fits = Buffer.from(await (await fetch(`${srv.base}/v1/alerts/${id}/cutouts/${kind}.fits`)).arrayBuffer());
      expect(fits.equals(gunzipSync(stamp))).toBe(true);
      expect(fits.subarray(0, 9).toString()).toBe('SIMPLE  =');
      const png = await fetch(`${srv.base}/v1/alerts/${id}/cutouts/${kind}.png?scale=2`);
      expect(png.headers.get('content-type')).toBe('image/png');
      const b = Buffer.from(await png.arrayBuffer());
      expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
      expect([b.readUInt32BE(16), b.readUInt32BE(20)]).toEqual([126, 126]);
      const idatLen = b.readUInt32BE(33);
      expect(b.subarray(37, 41).toString()).toBe('IDAT');
      const rows = inflateSync(b.subarray(41, 41 + idatLen));
      expect(rows.length).toBe(127 * 126);
      // A picture, not a flat field: the grey levels spread.
      const levels = new Set(rows);
      expect(levels.size).toBeGreaterThan(50);
    }
    // The difference image of a supernova: the centre is bright against the sky (zscale).
    const diff = Buffer.from(await (await fetch(`${srv.base}/v1/alerts/${id}/cutouts/difference.png?scale=1`)).arrayBuffer());
    const px = inflateSync(diff.subarray(41, 41 + diff.readUInt32BE(33)));
    const at = (x: number, y: number) => px[y * 64 + 1 + x];
    expect(at(31, 31)).toBeGreaterThan(200);
    expect(at(5, 5)).toBeLessThan(200);
  });

  it('the latest alerts, newest first, with absolute links', async () => {
    const { body } = await json('/v1/alerts?limit=5');
    const newest = packets.map((p) => p.record).sort((a, b) => b.candidate.jd - a.candidate.jd).slice(0, 5);
    expect(body.alerts.map((a: Rec) => a.alert_id)).toEqual(newest.map((r) => String(r.candid)));
    expect(body.alerts[0].links.cutouts.science.png).toBe(`${srv.base}/v1/alerts/${body.alerts[0].alert_id}/cutouts/science.png`);
  });

  it('output records and watch-list hits carry absolute URLs, and hits the magnitude, band and time', async () => {
    const dets = readFileSync(path.join(out, 'detections.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    const withCutouts = dets.filter((d) => d.cutouts);
    expect(withCutouts.length).toBe(packets.length);
    for (const d of withCutouts) expect(d.cutouts.science).toBe(`${srv.base}/v1/alerts/${d.alert_id}/cutouts/science.fits`);
    for (const d of dets) expect(d.object_url).toBe(`${srv.base}/v1/objects/${objectId}`);
    const published = readFileSync(path.join(out, `watchlist-${listId}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);
    expect(published.length).toBe(packets.length);
    const { body } = await json(`/v1/watchlists/${listId}/hits`, auth());
    expect(body.hits.length).toBe(packets.length);
    for (const h of body.hits) {
      const p = packets.find((q) => String(q.record.candid) === h.alert_id)!.record.candidate;
      expect(h.mag).toBeCloseTo(p.magpsf, 6);
      expect(h.band).toBe(p.fid === 1 ? 'g' : 'r');
      expect(h.mjd).toBeCloseTo(p.jd - 2400000.5, 9);
      expect(h.object_url).toBe(`${srv.base}/v1/objects/${objectId}`);
      expect(h.alert_url).toBe(`${srv.base}/v1/alerts/${h.alert_id}`);
      const pub = published.find((q) => q.alert_id === h.alert_id)!;
      expect(pub).toMatchObject({ mag: h.mag, band: h.band, object_url: h.object_url });
    }
  });

  it('answers 4xx naming the field, never 5xx', async () => {
    const bad: Array<[string, number, RegExp]> = [
      ['/v1/objects/abc', 400, /params\.id/],
      ['/v1/objects/999999', 404, /object '999999'/],
      ['/v1/objects?ra=1&dec=2', 400, /radius_arcsec/],
      ['/v1/objects', 400, /alias, or ra, dec and radius_arcsec/],
      ['/v1/objects?ra=1&dec=2&radius_arcsec=1&alias=x', 400, /either alias/],
      ['/v1/objects?ra=1&dec=95&radius_arcsec=1', 400, /dec/],
      ['/v1/objects/1/lightcurve?format=xml', 400, /format/],
      ['/v1/alerts/123', 404, /alert '123'/],
      ['/v1/alerts/12x/avro', 400, /alert_id/],
      ['/v1/alerts/123/cutouts/science.png', 404, /alert '123'/],
      [`/v1/alerts/${packets[0].record.candid}/cutouts/sky.png`, 400, /kind/],
      [`/v1/alerts/${packets[0].record.candid}/cutouts/science.jpg`, 400, /format/],
      [`/v1/alerts/${packets[0].record.candid}/cutouts/science.png?stretch=log`, 400, /stretch/],
    ];
    for (const [u, code, msg] of bad) {
      const r = await json(u);
      expect(r.status, u).toBe(code);
      expect(r.body.message, u).toMatch(msg);
    }
  });

  it('sees what a stream run writes while it serves (a second night, with forced photometry), without a restart', async () => {
    const before = (await json('/v1/objects?ra=46&dec=9&radius_arcsec=10000')).body.count;
    expect(before).toBe(0);
    const r = await runBin(['stream', '--from', `file:${path.join(ALERTS, 'kowalski_20231012')}`, '--data', data, '--to', `dir:${out}`, '--no-annotate', '--no-watch'], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const after = await json('/v1/objects?ra=46&dec=9&radius_arcsec=10000&limit=1000');
    expect(after.body.count).toBe(24);
    // Schema 4.01 packets bring forced photometry (fp_hists): served as its own kind, flux in DN.
    const id = after.body.objects[0].object_id;
    const lc = (await json(`/v1/objects/${id}/lightcurve`)).body;
    const forced = Object.values(lc.bands).flatMap((b) => (b as Rec).forced_photometry as Rec[]);
    expect(forced.length).toBeGreaterThan(0);
    expect(forced[0].flux_unit).toBe('DN');
    const latest = (await json('/v1/alerts?limit=1')).body.alerts[0];
    expect(latest.night).toBe('20231012');
  });
});
