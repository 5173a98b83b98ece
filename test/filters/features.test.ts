// The features a filter sees, against a plain recomputation on the real light
// curve of ZTF21abiuvdk (34 alerts over 22 nights), and the README's field
// table against fields.ts.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALERT_FIELDS, ANNOTATION_FIELDS, BANDS, FEATURE_FIELDS, OBJECT_FIELDS, WATCH_FIELDS, WINDOW_DAYS } from '../../src/filters/fields.js';
import { FeatureBuilder, withWatch } from '../../src/filters/features.js';
import type { Alert, Detection } from '../../src/stream/decoding/alert.js';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import type { ObjectRecord } from '../../src/stream/store.js';
import { SHARED_DATA } from '../support/vectors.js';

const LC = path.join(SHARED_DATA, 'ztf', 'alerts', 'pgb_ZTF21abiuvdk_lightcurve');

async function decode(dir: string): Promise<Alert[]> {
  const d = new AlertDecoder({ skim: true });
  const out: Alert[] = [];
  for (const b of fileBatches(dir, 1000)) for (const m of b) out.push(...(await d.decode(m.value)));
  return out;
}

const object = (a: Alert, first = a.mjd): ObjectRecord => ({ id: 7, aliases: [`ztf:${a.surveyObjectId}`], nDetections: 3, firstMjd: first, lastMjd: a.mjd, sx: 0, sy: 0, sz: 0, ra: a.ra, dec: a.dec, latest: {}, surveys: ['ztf'] });

/** The textbook least-squares slope over (t, m) pairs, absolute MJD. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((s, p) => s + p[0], 0) / n, mm = points.reduce((s, p) => s + p[1], 0) / n;
  const sxx = points.reduce((s, p) => s + (p[0] - mt) ** 2, 0);
  return sxx > 0 ? points.reduce((s, p) => s + (p[0] - mt) * (p[1] - mm), 0) / sxx : NaN;
}

function detectionsOf(a: Alert): Detection[] {
  return [{ alertId: a.alertId, mjd: a.mjd, band: a.band, ra: a.ra, dec: a.dec, mag: a.mag, isDiffPos: a.isDiffPos }, ...a.prvDetections.filter((d) => d.mjd <= a.mjd)];
}

const close = (got: number, want: number) => {
  if (Number.isNaN(want)) expect(got).toBeNaN();
  else expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
};

describe('light-curve features on a real light curve', () => {
  it('rates, latest magnitudes, colours, age and peak equal a plain recomputation for each of 34 alerts', async () => {
    const alerts = await decode(LC);
    expect(alerts).toHaveLength(34);
    const fb = new FeatureBuilder();
    let rates = 0, colours = 0;
    for (const a of alerts) {
      const f = fb.build(a, object(a)).features as unknown as Record<string, number>;
      const dets = detectionsOf(a);
      const pos = dets.filter((d) => d.isDiffPos !== false && Number.isFinite(d.mag));
      for (const b of BANDS) {
        const inBand = pos.filter((d) => d.band === b);
        const latest = inBand.reduce<Detection | null>((x, d) => (!x || d.mjd >= x.mjd ? d : x), null);
        close(f[`mag_${b}`], latest ? latest.mag! : NaN);
        const s = slope(inBand.filter((d) => d.mjd >= a.mjd - WINDOW_DAYS).map((d) => [d.mjd, d.mag!]));
        close(f[`rise_rate_${b}`], -s);
        close(f[`fade_rate_${b}`], s);
        if (Number.isFinite(s)) rates++;
      }
      const lg = pos.filter((d) => d.band === 'g').sort((x, y) => y.mjd - x.mjd)[0];
      const lr = pos.filter((d) => d.band === 'r').sort((x, y) => y.mjd - x.mjd)[0];
      const gr = lg && lr && Math.abs(lg.mjd - lr.mjd) <= 1 ? lg.mag! - lr.mag! : NaN;
      close(f.colour_g_r, gr);
      if (Number.isFinite(gr)) colours++;
      close(f.age_days, a.mjd - Math.min(a.mjd, ...dets.map((d) => d.mjd)));
      const before = dets.filter((d) => d.mjd < a.mjd).map((d) => d.mjd);
      close(f.days_since_previous, before.length ? a.mjd - Math.max(...before) : NaN);
      close(f.n_detections_window, pos.filter((d) => d.mjd >= a.mjd - WINDOW_DAYS && BANDS.includes(d.band as never)).length);
      const peak = pos.length ? Math.min(...pos.map((d) => d.mag!)) : NaN;
      close(f.peak_mag, peak);
    }
    // The light curve has enough points for real rates and colours.
    expect(rates).toBeGreaterThan(30);
    expect(colours).toBeGreaterThan(5);
  });

  it('alert fields: ZTF scores as given, -999 as NaN; a Rubin flux as an AB magnitude; the stored object first time counts', async () => {
    const [a] = await decode(LC);
    const x = new FeatureBuilder().build(a, object(a, a.mjd - 100));
    expect(x.alert).toMatchObject({ id: String(a.alertId), survey: 'ztf', object_id: 'ZTF21abiuvdk', band: a.band, mag: a.mag, is_diff_pos: a.isDiffPos !== false });
    expect(x.alert.rb).toBe(a.candidate.rb);
    expect(x.alert.drb).toBe(a.candidate.drb ?? NaN);
    expect(x.alert.reliability).toBeNaN();
    expect(x.alert.flux).toBeNaN();
    if ((a.candidate.ssdistnr as number) < 0) expect(x.alert.ssdistnr).toBeNaN();
    expect(x.features.age_days).toBeCloseTo(100, 9);
    const rubin: Alert = { ...a, survey: 'lsst', band: 'r', mag: undefined, flux: 10 ** ((31.4 - 20) / 2.5), candidate: { reliability: 0.93 }, prvDetections: [] };
    const r = new FeatureBuilder().build(rubin, object(rubin));
    expect(r.alert.mag).toBeCloseTo(20, 9);
    expect(r.alert.reliability).toBe(0.93);
    expect(r.alert.rb).toBeNaN();
    expect(r.features.mag_r).toBeCloseTo(20, 9);
    expect(r.features.rise_rate_r).toBeNaN();
  });

  it('annotations: matched catalogs give the best match, others matched false with NaN distances', async () => {
    const [a] = await decode(LC);
    const x = new FeatureBuilder().build(a, object(a), {
      gcvs: [], openngc: [{ id: 'NGC 1', sep_arcsec: 3.5, pa_deg: 10, ellipse_distance: 0.4, columns: { type: 'galaxy' } }, { id: 'NGC 2', sep_arcsec: 9, pa_deg: 20, ellipse_distance: 0.9, columns: {} }],
    });
    expect(x.annotations.openngc).toEqual({ matched: true, id: 'NGC 1', sep_arcsec: 3.5, pa_deg: 10, ellipse_distance: 0.4, n_matches: 2, columns: { type: 'galaxy' } });
    expect(x.annotations.gcvs).toMatchObject({ matched: false, id: '', n_matches: 0, columns: {} });
    expect(x.annotations.gcvs.sep_arcsec).toBeNaN();
  });

  it('watch: each owner sees only their own lists', async () => {
    const [a] = await decode(LC);
    const x = new FeatureBuilder().build(a, object(a));
    const hits = [{ owner: 'k1', list: 'wl_a', listName: 'A', target: 't1' }, { owner: 'k2', list: 'wl_b', listName: 'B', target: 't2' }, { owner: 'k1', list: 'wl_a', listName: 'A', target: 't3' }];
    expect(withWatch(x, hits, 'k1').watch).toEqual({ hit: true, lists: ['wl_a'], names: ['A'], targets: ['t1', 't3'] });
    expect(withWatch(x, hits, 'k2').watch).toEqual({ hit: true, lists: ['wl_b'], names: ['B'], targets: ['t2'] });
    expect(withWatch(x, hits, 'k3').watch).toEqual({ hit: false, lists: [], names: [], targets: [] });
  });
});

describe('the README documents every field', () => {
  it('has a row per field (per-band fields as _<b>) with its type and unit', () => {
    const readme = readFileSync(path.resolve('README.md'), 'utf8');
    const rows = new Map<string, string>();
    for (const m of readme.matchAll(/^\| `([a-zA-Z_.<>A-Z]+)` \| `([^`]+)` \| ([^|]*) \|/gm)) rows.set(m[1], `${m[2]}|${m[3].trim()}`);
    const want: Array<[string, string, string]> = [];
    for (const [p, fs] of [['alert', ALERT_FIELDS], ['object', OBJECT_FIELDS], ['features', FEATURE_FIELDS], ['annotations.CATALOG', ANNOTATION_FIELDS], ['watch', WATCH_FIELDS]] as const) {
      for (const f of fs) {
        const name = p === 'features' && /^(mag|rise_rate|fade_rate)_[ugrizy]$/.test(f.name) ? `features.${f.name.replace(/_[ugrizy]$/, '_<b>')}` : `${p}.${f.name}`;
        want.push([name, f.type, f.unit]);
      }
    }
    for (const [name, type, unit] of want) expect(rows.get(name), name).toBe(`${type}|${unit}`);
    expect(new Set(want.map((w) => w[0])).size).toBe([...rows.keys()].filter((k) => /^(alert|object|features|annotations|watch)\./.test(k)).length);
  });
});
