import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArrowCatalog, writeArrowCatalog } from '../../src/catalog/arrow-catalog.js';
import { ConfigError, loadCatalogSet, type ServedCatalog } from '../../src/catalog/set.js';
import { TextColumn } from '../../src/catalog/text.js';
import { crossmatch } from '../../src/match/crossmatch.js';
import { Registry } from '../../src/metrics/registry.js';
import { positionAngleDeg, separationArcsec } from '../../src/sky/vector.js';
import { julianYearFromMjd } from '../../src/sky/epoch.js';
import { Annotator, registerAnnotationMetrics } from '../../src/stream/annotate/annotator.js';
import { annotationSpecs, defaultColumns, type AnnotationSpec } from '../../src/stream/annotate/config.js';
import { annotatedRecord, annotatedSchema, toAvroValue, type AnnotatedRecord, type Annotations } from '../../src/stream/annotate/record.js';
import { encodeContainer } from '../../src/stream/avro/container-writer.js';
import { readContainer } from '../../src/stream/decoding/container.js';
import { StreamPipeline } from '../../src/stream/pipeline.js';
import { AnnotateStage } from '../../src/stream/stages/annotate.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const DEG = Math.PI / 180;
const tmp = tempDir();
let cats: Map<string, ServedCatalog>;

beforeAll(async () => {
  cats = await loadCatalogSet(undefined, tmp.dir);
});
afterAll(() => tmp.cleanup());

// ---------------------------------------------------------------- references

/**
 * The point (ra, dec) reached from (ra, dec) going distArcsec along bearing paDeg (east of north):
 * c cos d + sin d (n cos t + e sin t) in the centre's (east, north) basis, exact at the poles too.
 */
function destination(raDeg: number, decDeg: number, paDeg: number, distArcsec: number): [number, number] {
  const ca = Math.cos(raDeg * DEG), sa = Math.sin(raDeg * DEG), cd = Math.cos(decDeg * DEG), sd = Math.sin(decDeg * DEG);
  const d = (distArcsec / 3600) * DEG, ct = Math.cos(paDeg * DEG), st = Math.sin(paDeg * DEG);
  const x = cd * ca * Math.cos(d) + Math.sin(d) * (-sd * ca * ct - sa * st);
  const y = cd * sa * Math.cos(d) + Math.sin(d) * (-sd * sa * ct + ca * st);
  const z = sd * Math.cos(d) + Math.sin(d) * cd * ct;
  const ra = Math.atan2(y, x) / DEG;
  return [ra < 0 ? ra + 360 : ra, Math.atan2(z, Math.hypot(x, y)) / DEG];
}

/** Radius (arcsec) along bearing t of an ellipse with semi-axes a, b and major-axis position angle p. */
function ellipseRadius(a: number, b: number, p: number, t: number): number {
  const u = Math.cos((t - p) * DEG) / a, v = Math.sin((t - p) * DEG) / b;
  return 1 / Math.sqrt(u * u + v * v);
}

/** Brute-force ellipse distance from unit vectors: offsets in the tangent frame (east, north) at the centre. */
function bruteEllipseDistance(cRa: number, cDec: number, a: number, b: number, p: number, ra: number, dec: number): number {
  const ca = Math.cos(cRa * DEG), sa = Math.sin(cRa * DEG), cd = Math.cos(cDec * DEG), sd = Math.sin(cDec * DEG);
  const c = [cd * ca, cd * sa, sd], e = [-sa, ca, 0], n = [-sd * ca, -sd * sa, cd];
  const q = [Math.cos(dec * DEG) * Math.cos(ra * DEG), Math.cos(dec * DEG) * Math.sin(ra * DEG), Math.sin(dec * DEG)];
  const dot = (u: number[], v: number[]) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
  const x = dot(q, e), y = dot(q, n), z = dot(q, c);
  const h = Math.hypot(x, y);
  if (h === 0) return 0;
  const theta = (Math.atan2(h, z) / DEG) * 3600;
  const xi = (theta * x) / h, eta = (theta * y) / h;
  const pr = p * DEG;
  const u = xi * Math.sin(pr) + eta * Math.cos(pr), v = xi * Math.cos(pr) - eta * Math.sin(pr);
  return Math.hypot(u / a, v / b);
}

interface Row { a: number; b: number; p: number }

/** The documented ellipse rules, read independently: diameters in arcmin, missing minor or PA -> circle. */
function ellipseRows(s: ServedCatalog, scale: number): Array<Row | null> {
  const e = s.ellipse!;
  const all = Array.from({ length: s.catalog.length }, (_, i) => i);
  const v = s.catalog.values(all, [e.major, e.minor, e.pa]);
  const f = (e.unit === 'arcmin' ? 60 : e.unit === 'deg' ? 3600 : 1) * scale / (e.axes === 'diameter' ? 2 : 1);
  return v.map((r) => {
    const maj = r[e.major] as number | null, min = r[e.minor] as number | null, pa = r[e.pa] as number | null;
    if (maj === null || !(maj > 0)) return null;
    if (min === null || !(min > 0) || pa === null) return { a: maj * f, b: maj * f, p: 0 };
    return min > maj ? { a: min * f, b: maj * f, p: pa + 90 } : { a: maj * f, b: min * f, p: pa };
  });
}

/** Every ellipse-catalog row holding (ra, dec), by brute force, with its distance in units of the ellipse. */
function bruteEllipse(s: ServedCatalog, rows: Array<Row | null>, radius: number, ra: number, dec: number): Map<string, number> {
  const out = new Map<string, number>();
  const cRa = s.catalog.ra, cDec = s.catalog.dec;
  // Skip rows too far in dec to hold the point (declination differences never exceed separations).
  let reachDeg = radius / 3600;
  for (const r of rows) if (r && r.a / 3600 > reachDeg) reachDeg = r.a / 3600;
  for (let i = 0; i < rows.length; i++) {
    if (Math.abs(cDec[i] - dec) > reachDeg + 1e-6) continue;
    const r = rows[i];
    const d = r ? bruteEllipseDistance(cRa[i], cDec[i], r.a, r.b, r.p, ra, dec) : separationArcsec(cRa[i], cDec[i], ra, dec) / radius;
    if (d <= 1) out.set(s.catalog.id(i), d);
  }
  return out;
}

/** What the annotation of a point catalog must be: the library crossmatch of the same positions, cut to k. */
function expectedPoint(s: ServedCatalog, ra: Float64Array, dec: Float64Array, radiusArcsec: number, mode: 'best' | 'all', k: number, columns: string[]): Annotations[string][] {
  const m = crossmatch(s.catalog.index, ra, dec, { radiusArcsec, mode });
  const out: Annotations[string][] = Array.from({ length: ra.length }, () => []);
  for (let i = 0; i < m.length; i++) {
    const p = m.probe[i], r = m.row[i];
    if (out[p].length >= k) continue;
    const cols = s.catalog.values([r], columns)[0];
    for (const c of columns) if (typeof cols[c] === 'number' && !Number.isFinite(cols[c])) cols[c] = null;
    out[p].push({
      id: s.catalog.id(r), sep_arcsec: m.sepArcsec[i],
      pa_deg: positionAngleDeg(s.catalog.ra[r], s.catalog.dec[r], ra[p], dec[p]), ellipse_distance: null, columns: cols as never,
    });
  }
  return out;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Positions exactly at spread catalog rows, so hits are guaranteed, plus random ones. */
function probePositions(s: ServedCatalog, nRows: number, nRandom: number, seed: number): { ra: Float64Array; dec: Float64Array; rows: number[] } {
  const rnd = seeded(seed);
  const rows = Array.from({ length: nRows }, () => Math.floor(rnd() * s.catalog.length));
  const ra = new Float64Array(nRows + nRandom), dec = new Float64Array(nRows + nRandom);
  rows.forEach((r, i) => { ra[i] = s.catalog.ra[r]; dec[i] = s.catalog.dec[r]; });
  for (let i = nRows; i < ra.length; i++) { ra[i] = rnd() * 360; dec[i] = Math.asin(2 * rnd() - 1) / DEG; }
  return { ra, dec, rows };
}

function readJsonl(file: string): AnnotatedRecord[] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AnnotatedRecord);
}

async function runPipeline(src: string, dataDir: string, annotator: Annotator): Promise<AnnotatedRecord[]> {
  const out = path.join(dataDir, 'out');
  const p = new StreamPipeline({ dataDir, sink: new DirSink(out), archive: false, parquet: false, annotate: new AnnotateStage(annotator) });
  await p.recover();
  for (const b of fileBatches(src, 100)) await p.handle(b);
  await p.close();
  return readJsonl(path.join(out, 'annotated.jsonl'));
}

/** A real ZTF container with its alert moved to (ra, dec), under a fresh candid and object id. */
function movedZtf(file: string, ra: number, dec: number, candid: bigint, objectId: string): Buffer {
  const { header, records, type } = readContainer(readFileSync(file));
  return encodeContainer(header.schemaText, records.map((r0) => {
    const r = r0 as Record<string, any>;
    r.candidate.ra = ra; r.candidate.dec = dec; r.candid = candid; r.candidate.candid = candid; r.objectId = objectId;
    r.prv_candidates = null;
    return type.toBuffer(r);
  }));
}

/** A real OpenNGC galaxy about 6' across with a position angle, its semi-axes in arcsec. */
function sixArcminGalaxy(s: ServedCatalog): { row: number; id: string; a: number; b: number; p: number } {
  const rows = ellipseRows(s, 1);
  const v = s.catalog.values(Array.from({ length: s.catalog.length }, (_, i) => i), ['type', 'pa_deg', 'major_axis_arcmin', 'minor_axis_arcmin']);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r && v[i].type === 'galaxy' && v[i].pa_deg !== null && (v[i].major_axis_arcmin as number) >= 5.8 && (v[i].major_axis_arcmin as number) <= 6.2 && r.b >= 60 && r.b < r.a * 0.8) {
      return { row: i, id: s.catalog.id(i), ...r };
    }
  }
  throw new Error('no 6 arcmin galaxy in OpenNGC');
}

// ---------------------------------------------------------------- tests

describe('annotation of real ZTF alerts through the stream pipeline', () => {
  it('annotates every ingested alert: point catalogs equal the library crossmatch, galaxies equal brute force', async () => {
    const specs: AnnotationSpec[] = [
      { served: cats.get('bsc5')!, mode: 'best' },
      { served: cats.get('gcvs')!, mode: 'all', k: 3 },
      { served: cats.get('openngc')!, mode: 'all', k: 3 },
    ];
    const annotator = new Annotator(specs);
    const registry = new Registry();
    registerAnnotationMetrics(registry, annotator);
    const data = path.join(tmp.dir, 'ztf-all');
    const recs = await runPipeline(ZTF, data, annotator);
    // One record per ingested alert: 261 decoded, one an upstream duplicate (republished as a repeat).
    expect(recs).toHaveLength(261);
    expect(recs.filter((r) => r.status === 'repeat')).toHaveLength(1);
    const ra = Float64Array.from(recs, (r) => r.ra), dec = Float64Array.from(recs, (r) => r.dec);
    const bsc = cats.get('bsc5')!, gcvs = cats.get('gcvs')!, ngc = cats.get('openngc')!;
    const wantBsc = expectedPoint(bsc, ra, dec, 3, 'best', 1, defaultColumns(bsc));
    const wantGcvs = expectedPoint(gcvs, ra, dec, 5, 'all', 3, defaultColumns(gcvs));
    const rows = ellipseRows(ngc, 1);
    recs.forEach((r, i) => {
      expect(Object.keys(r.annotations).sort()).toEqual(['bsc5', 'gcvs', 'openngc']);
      expect(r.annotations.bsc5).toEqual(wantBsc[i]);
      expect(r.annotations.gcvs).toEqual(wantGcvs[i]);
      const brute = bruteEllipse(ngc, rows, 60, r.ra, r.dec);
      const best = [...brute].sort((x, y) => x[1] - y[1]).slice(0, 3);
      expect(r.annotations.openngc.map((m) => m.id)).toEqual(best.map(([id]) => id));
      r.annotations.openngc.forEach((m, j) => expect(m.ellipse_distance).toBeCloseTo(best[j][1], 9));
    });
    // Real alerts do lie in galaxies and on variable stars.
    const hits = (c: string) => recs.filter((r) => r.annotations[c].length > 0).length;
    expect(hits('openngc')).toBeGreaterThan(10);
    expect(hits('gcvs')).toBeGreaterThan(0);
    // Record fields: ids as strings, photometry, object, cutout files, source.
    const r0 = recs.filter((r) => r.survey_object_id === 'ZTF21abiuvdk').at(-1)!;
    expect(r0.alert_id).toMatch(/^\d+$/);
    expect(r0.object.aliases).toEqual(['ztf:ZTF21abiuvdk']);
    expect(r0.object.n_detections).toBeGreaterThan(1);
    expect(typeof r0.mag).toBe('number');
    expect(Object.keys(r0.object.latest).length).toBeGreaterThan(0);
    expect(r0.source.topic).toMatch(/^file:pgb_ZTF21abiuvdk_lightcurve\//);
    // Cutouts by URL (where `skyjoin serve` answers), each one a stored file.
    for (const k of ['science', 'template', 'difference'] as const) {
      expect(r0.cutouts[k]).toBe(`http://127.0.0.1:8080/v1/alerts/${r0.alert_id}/cutouts/${k}.fits`);
      expect(existsSync(path.join(data, 'stream', 'cutouts', 'ztf', r0.night, r0.alert_id.slice(-3), `${r0.alert_id}.${k}.fits.gz`))).toBe(true);
    }
    // Health: counters add up to what was published, in the report and the metrics.
    const h = annotator.health();
    for (const c of ['bsc5', 'gcvs', 'openngc']) {
      expect(h[c].alertsChecked).toBe(261);
      expect(h[c].hits).toBe(hits(c));
      expect(h[c].matches).toBe(recs.reduce((s, r) => s + r.annotations[c].length, 0));
      expect(h[c].ms).toBeGreaterThan(0);
    }
    const rep = (annotator.report().annotation as { catalogs: Record<string, { hit_rate: number; hits: number }> }).catalogs;
    expect(rep.openngc.hit_rate).toBeCloseTo(hits('openngc') / 261, 12);
    expect(rep.bsc5.hits).toBe(hits('bsc5'));
    const text = registry.render();
    expect(text).toContain('skyjoin_annotation_alerts_checked_total{catalog="gcvs"} 261');
    expect(text).toContain(`skyjoin_annotation_hits_total{catalog="openngc"} ${hits('openngc')}`);
    expect(text).toContain(`skyjoin_annotation_matches_total{catalog="bsc5"} ${h.bsc5.matches}`);
    expect(text).toMatch(/skyjoin_annotation_seconds_total\{catalog="bsc5"\} [0-9.e-]+/);
    expect(text).toContain(`skyjoin_annotation_hit_ratio{catalog="openngc"} ${hits('openngc') / 261}`);

    // Every record decodes with the published schema, unchanged.
    const type = avro.Type.forSchema(annotatedSchema() as avro.Schema);
    for (const r of recs) {
      expect(type.isValid(r)).toBe(true);
      expect(type.fromBuffer(type.toBuffer(r))).toEqual(r);
    }
  });

  it('alerts placed on a bright star, a variable star and 40" from a 6\' galaxy are annotated with them', async () => {
    const bsc = cats.get('bsc5')!, gcvs = cats.get('gcvs')!, ngc = cats.get('openngc')!;
    const g = sixArcminGalaxy(ngc);
    const star = 4000, variable = 123;
    const [gRa, gDec] = destination(ngc.catalog.ra[g.row], ngc.catalog.dec[g.row], g.p + 90, 40);
    const src = path.join(tmp.dir, 'placed-src');
    mkdirSync(src, { recursive: true });
    const boom = path.join(ZTF, 'boom', readdirSync(path.join(ZTF, 'boom'))[0]);
    const placed: Array<[number, number]> = [[bsc.catalog.ra[star], bsc.catalog.dec[star]], [gcvs.catalog.ra[variable], gcvs.catalog.dec[variable]], [gRa, gDec]];
    placed.forEach(([ra, dec], i) => writeFileSync(path.join(src, `p${i}.avro`), movedZtf(boom, ra, dec, 9_000_000_000_000_000_000n + BigInt(i), `ZTF99place${'abc'[i]}`)));
    const annotator = new Annotator(annotationSpecs(cats));
    const recs = await runPipeline(src, path.join(tmp.dir, 'placed'), annotator);
    expect(recs.map((r) => r.alert_id)).toEqual(['9000000000000000000', '9000000000000000001', '9000000000000000002']);
    const [onStar, onVar, inGalaxy] = recs;
    expect(onStar.annotations.bsc5).toHaveLength(1);
    expect(onStar.annotations.bsc5[0]).toMatchObject({ id: bsc.catalog.id(star), ellipse_distance: null });
    // BSC5 moves (proper motions): the alert, placed at the J2000 position, is as far from the star as it moved by the alert's time.
    const then = bsc.catalog.motion!.positionAt(star, julianYearFromMjd(onStar.mjd));
    expect(onStar.annotations.bsc5[0].sep_arcsec).toBeCloseTo(separationArcsec(bsc.catalog.ra[star], bsc.catalog.dec[star], then.raDeg, then.decDeg), 6);
    expect(onStar.annotations.bsc5[0].columns).toEqual(bsc.catalog.values([star], defaultColumns(bsc))[0]);
    expect(onVar.annotations.gcvs[0]).toMatchObject({ id: gcvs.catalog.id(variable), columns: { vartype: gcvs.catalog.values([variable], ['vartype'])[0].vartype } });
    const m = inGalaxy.annotations.openngc[0];
    expect(m.id).toBe(g.id);
    expect(m.sep_arcsec).toBeCloseTo(40, 6);
    expect(m.pa_deg).toBeCloseTo((g.p + 90) % 360, 6);
    expect(m.ellipse_distance).toBeCloseTo(40 / g.b, 9);
    expect(m.ellipse_distance!).toBeLessThan(1);
    expect(m.columns).not.toHaveProperty('aliases'); // long texts stay out of the default columns
    expect(m.columns.type).toBe('galaxy');
    const type = avro.Type.forSchema(annotatedSchema() as avro.Schema);
    for (const r of recs) expect(type.fromBuffer(type.toBuffer(r))).toEqual(r);
  });

  it('an upstream replay republishes the same annotations, marked as repeats', async () => {
    const src = path.join(tmp.dir, 'replay-src');
    cpSync(path.join(ZTF, 'kowalski_20231012'), path.join(src, 'a'), { recursive: true });
    cpSync(path.join(ZTF, 'kowalski_20231012'), path.join(src, 'b'), { recursive: true });
    const recs = await runPipeline(src, path.join(tmp.dir, 'replay'), new Annotator(annotationSpecs(cats)));
    expect(recs).toHaveLength(48);
    const first = new Map(recs.filter((r) => r.status === 'new').map((r) => [r.alert_id, r]));
    const repeats = recs.filter((r) => r.status === 'repeat');
    expect(first.size).toBe(24);
    expect(repeats).toHaveLength(24);
    for (const r of repeats) {
      const f = first.get(r.alert_id)!;
      expect(r.annotations).toEqual(f.annotations);
      expect({ ...r, status: 'new', source: f.source, object: f.object }).toEqual(f);
      expect(r.source.topic).not.toBe(f.source.topic);
    }
  });
});

describe('point catalogs', () => {
  it('best and all-k equal the library crossmatch at catalog rows and random positions', () => {
    for (const name of ['bsc5', 'gcvs']) {
      const s = cats.get(name)!;
      const { ra, dec, rows } = probePositions(s, 300, 300, name.length);
      for (const [mode, k, radius] of [['best', 1, 3], ['all', 2, 600], ['all', 5, 600], ['all', 1000, 1800]] as const) {
        const a = new Annotator([{ served: s, mode, k, radiusArcsec: radius }]);
        const got = a.annotate(ra, dec).map((x) => x[name]);
        const want = expectedPoint(s, ra, dec, radius, mode, k, defaultColumns(s));
        expect(got).toEqual(want);
        // A position at a catalog row finds that row (or a twin at the same place) at 0".
        rows.forEach((r, i) => {
          expect(got[i][0].sep_arcsec).toBeLessThan(1e-6);
          if (got[i][0].id !== s.catalog.id(r)) expect(separationArcsec(s.catalog.ra[r], s.catalog.dec[r], ra[i], dec[i])).toBeLessThan(1e-6);
        });
        if (mode === 'all') {
          expect(got.some((l) => l.length === Math.min(k, 6))).toBe(true);
          for (const l of got) for (let j = 1; j < l.length; j++) expect(l[j].sep_arcsec).toBeGreaterThanOrEqual(l[j - 1].sep_arcsec);
        }
      }
    }
  });

  it('best is the first of all-k, and all-k the first k of everything', () => {
    const s = cats.get('gcvs')!;
    const { ra, dec } = probePositions(s, 200, 0, 9);
    const run = (mode: 'best' | 'all', k?: number) => new Annotator([{ served: s, mode, k, radiusArcsec: 900, columns: [] }]).annotate(ra, dec).map((x) => x.gcvs);
    const best = run('best'), k3 = run('all', 3), every = run('all', 1000);
    expect(every.some((l) => l.length > 3)).toBe(true);
    for (let i = 0; i < ra.length; i++) {
      expect(best[i]).toEqual(every[i].slice(0, 1));
      expect(k3[i]).toEqual(every[i].slice(0, 3));
      expect(every[i][0].columns).toEqual({});
    }
  });
});

describe('ellipse catalogs', () => {
  it('a real 6\' OpenNGC galaxy holds points 40" from its centre and not points just outside its ellipse', () => {
    const ngc = cats.get('openngc')!;
    const g = sixArcminGalaxy(ngc);
    const cRa = ngc.catalog.ra[g.row], cDec = ngc.catalog.dec[g.row];
    const probes: Array<[number, number, number | null]> = [];
    for (let t = 0; t < 360; t += 30) probes.push([t, 40, 40 / ellipseRadius(g.a, g.b, g.p, t)]);
    probes.push([g.p, g.a * 0.97, 0.97], [g.p + 180, g.a * 1.03, null], [g.p + 90, g.b * 0.97, 0.97], [g.p + 270, g.b * 1.03, null]);
    // Past the minor axis but well within the major-axis radius: outside an ellipse, inside its circle.
    probes.push([g.p + 90, g.b * 1.2, null]);
    const pos = probes.map(([t, d]) => destination(cRa, cDec, t, d));
    const ann = new Annotator([{ served: ngc, mode: 'all', k: 50 }]).annotate(Float64Array.from(pos, (p) => p[0]), Float64Array.from(pos, (p) => p[1]));
    probes.forEach(([t, d, want], i) => {
      const m = ann[i].openngc.find((x) => x.id === g.id);
      if (want === null) {
        expect(m, `bearing ${t} at ${d}"`).toBeUndefined();
      } else {
        expect(m, `bearing ${t} at ${d}"`).toBeDefined();
        expect(m!.ellipse_distance).toBeCloseTo(want, 9);
        expect(m!.sep_arcsec).toBeCloseTo(d, 6);
        expect(m!.pa_deg).toBeCloseTo(((t % 360) + 360) % 360, 6);
      }
    });
  });

  it('is exact across RA 0/360 and near both poles (real galaxies)', () => {
    const ngc = cats.get('openngc')!;
    const idx = (id: string) => ngc.catalog.ids().toArray().indexOf(id);
    // IC 5369 (RA 359.96): scaled by 5 its ellipse reaches past RA 0 to the east.
    const cases: Array<{ id: string; scale: number; bearings: number[] }> = [
      { id: 'IC5369', scale: 5, bearings: [90, 80, 100] },
      { id: 'NGC3172', scale: 1, bearings: [0, 45, 90, 135, 180, 225, 270, 315] },
      { id: 'NGC2573', scale: 1, bearings: [0, 45, 90, 135, 180, 225, 270, 315] },
    ];
    for (const c of cases) {
      const r = idx(c.id);
      expect(r, c.id).toBeGreaterThanOrEqual(0);
      const rows = ellipseRows(ngc, c.scale);
      const e = rows[r]!;
      const cRa = ngc.catalog.ra[r], cDec = ngc.catalog.dec[r];
      const probes: Array<[number, number]> = [];
      for (const t of c.bearings) for (const f of [0.5, 0.9, 0.99, 1.01, 1.1]) probes.push([t, f]);
      const pos = probes.map(([t, f]) => destination(cRa, cDec, t, f * ellipseRadius(e.a, e.b, e.p, t)));
      if (c.id === 'IC5369') expect(pos.filter(([ra, ]) => ra < 1).length).toBeGreaterThan(3); // across RA 0
      const ann = new Annotator([{ served: ngc, mode: 'all', k: 50, ellipseScale: c.scale }])
        .annotate(Float64Array.from(pos, (p) => p[0]), Float64Array.from(pos, (p) => p[1]));
      probes.forEach(([t, f], i) => {
        const m = ann[i].openngc.find((x) => x.id === c.id);
        if (f > 1) expect(m, `${c.id} bearing ${t} x${f}`).toBeUndefined();
        else expect(m?.ellipse_distance, `${c.id} bearing ${t} x${f}`).toBeCloseTo(f, 8);
      });
    }
  });

  it('agrees with brute force over all of OpenNGC, large objects and unsized rows included, at scales 1 and 2', () => {
    const ngc = cats.get('openngc')!;
    const rnd = seeded(5);
    const n = ngc.catalog.length;
    for (const scale of [1, 2]) {
      const rows = ellipseRows(ngc, scale);
      const big = rows.map((r, i) => (r && r.a > 450 * scale ? i : -1)).filter((i) => i >= 0);
      const ra: number[] = [], dec: number[] = [];
      const around = (i: number, reach: number) => {
        const [a, d] = destination(ngc.catalog.ra[i], ngc.catalog.dec[i], rnd() * 360, rnd() * reach);
        ra.push(a); dec.push(d);
      };
      for (let j = 0; j < 400; j++) {
        const i = Math.floor(rnd() * n);
        around(i, 1.3 * (rows[i]?.a ?? 60));
      }
      for (let j = 0; j < 150; j++) {
        const i = big[Math.floor(rnd() * big.length)];
        around(i, 1.3 * rows[i]!.a);
      }
      const got = new Annotator([{ served: ngc, mode: 'all', k: 1000, ellipseScale: scale }]).annotate(Float64Array.from(ra), Float64Array.from(dec));
      let matched = 0;
      for (let p = 0; p < ra.length; p++) {
        const want = bruteEllipse(ngc, rows, 60, ra[p], dec[p]);
        const have = new Map(got[p].openngc.map((m) => [m.id, m.ellipse_distance!]));
        for (const [id, d] of want) if (Math.abs(d - 1) > 1e-9) expect(have.get(id), `probe ${p} ${id}`).toBeCloseTo(d, 9);
        for (const [id, d] of have) expect(want.has(id) || Math.abs(d - 1) < 1e-9, `probe ${p} ${id}`).toBe(true);
        const ds = got[p].openngc.map((m) => m.ellipse_distance!);
        for (let j = 1; j < ds.length; j++) expect(ds[j]).toBeGreaterThanOrEqual(ds[j - 1]);
        matched += have.size;
      }
      expect(matched).toBeGreaterThan(300);
    }
  });

  it('synthetic ellipses exactly at the poles and straddling RA 0; unsized rows and rows without a PA', async () => {
    const file = path.join(tmp.dir, 'synth.arrow');
    // Diameters in arcmin, PA in deg; null = missing.
    const gal: Array<[string, number, number, number | null, number | null, number | null]> = [
      ['NP', 0, 90, 6, 2, 30],
      ['SP', 200, -89.99, 6, 3, 120],
      ['RA0', 359.995, 10, 6, 2, 90],
      ['RA0b', 0.001, -60, 4, 4, 0],
      ['NOPA', 100, 20, 6, 2, null],
      ['NOSIZE', 150, 30, null, null, null],
    ];
    const col = (k: number, name: string, type: 'float64' | 'int32') => ({
      name, type,
      values: type === 'float64' ? Float64Array.from(gal, (g) => (g[k] as number | null) ?? NaN) : Int32Array.from(gal, (g) => (g[k] as number | null) ?? 0),
      valid: Uint8Array.from(gal, (g) => (g[k] === null ? 0 : 1)),
    });
    await writeArrowCatalog(file, {
      name: 'synth', ids: TextColumn.fromStrings(gal.map((g) => g[0])),
      ra: Float64Array.from(gal, (g) => g[1]), dec: Float64Array.from(gal, (g) => g[2]),
      extra: { length: gal.length, columns: [col(3, 'major', 'float64'), col(4, 'minor', 'float64'), col(5, 'pa', 'int32')] },
      defaultRadiusArcsec: 10,
    });
    const served: ServedCatalog = {
      name: 'synth', catalog: ArrowCatalog.open(file), defaultRadiusArcsec: 10,
      ellipse: { major: 'major', minor: 'minor', pa: 'pa', unit: 'arcmin', axes: 'diameter' },
    };
    const probes: Array<{ id: string; ra: number; dec: number; want: number | null }> = [];
    for (const g of gal) {
      const [id, cRa, cDec, maj, min, pa] = g;
      const a = maj === null ? 10 : maj * 30, b = maj === null ? 10 : pa === null ? a : min! * 30, p = pa ?? 0;
      for (let t = 0; t < 360; t += 20) {
        for (const f of [0.3, 0.95, 1.05]) {
          const [ra, dec] = destination(cRa, cDec, t, f * ellipseRadius(a, b, p, t));
          probes.push({ id, ra, dec, want: f < 1 ? f : null });
        }
      }
    }
    expect(probes.filter((q) => q.id === 'RA0' && q.ra < 1 && q.want !== null).length).toBeGreaterThan(10);
    const ann = new Annotator([{ served, mode: 'best' }]).annotate(Float64Array.from(probes, (q) => q.ra), Float64Array.from(probes, (q) => q.dec));
    probes.forEach((q, i) => {
      const l = ann[i].synth;
      if (q.want === null) expect(l, `${q.id} ${q.ra} ${q.dec}`).toEqual([]);
      else {
        expect(l).toHaveLength(1);
        expect(l[0].id).toBe(q.id);
        expect(l[0].ellipse_distance, `${q.id} ${q.ra} ${q.dec}`).toBeCloseTo(q.want, 8);
        const row = served.catalog.ids().toArray().indexOf(q.id);
        expect(l[0].columns).toEqual(served.catalog.values([row], ['major', 'minor', 'pa'])[0]);
      }
    });
  });
});

describe('annotated record and schema', () => {
  it('annotatedRecord is pure, toAvroValue fills absent optionals, and both encode with schemas/annotated.avsc', () => {
    const type = avro.Type.forSchema(annotatedSchema() as avro.Schema);
    expect(type.name).toBe('skyjoin.AnnotatedAlert');
    const ingested = {
      alert: { survey: 'lsst', alertId: 170000000000000123n, surveyObjectId: '170000000000000001', ra: 0.5, dec: -89.9, mjd: 60500.1, night: '20240701', band: 'r', flux: 1234.5, fluxErr: 12, schemaVersion: '7.1', candidate: {}, prvDetections: [], nonDetections: [], cutouts: { format: 'fits' } },
      object: { id: 42, aliases: ['lsst:170000000000000001'], nDetections: 3, firstMjd: 60490, lastMjd: 60500.1, sx: 0, sy: 0, sz: -1, ra: 0.5, dec: -89.9, latest: { r: [21.5, 60500.1] }, surveys: ['lsst'] },
      status: 'duplicate', detectionsAdded: 0, nonDetectionsAdded: 0,
      message: { topic: 'lsst-alerts', partition: 3, offset: 9007199254740993n, value: new Uint8Array(0), timestamp: 1719800000123, origin: 'x' },
    } as never;
    const ann: Annotations = { cat: [{ id: 'X1', sep_arcsec: 1.5, pa_deg: 10, ellipse_distance: 0.2, columns: { a: null, b: 1.5, c: 'text', d: true, e: '9007199254740993' } }], empty: [] };
    const r = annotatedRecord(ingested, ann);
    expect(r).toMatchObject({ alert_id: '170000000000000123', object_id: '42', status: 'repeat', mag: null, flux: 1234.5, is_diff_pos: null, cutouts: { science: null }, source: { offset: '9007199254740993', timestamp_ms: 1719800000123 }, object: { latest: { r: { mag: 21.5, mjd: 60500.1 } } } });
    expect(annotatedRecord(ingested, ann)).toEqual(r);
    expect(type.isValid(r)).toBe(true);
    expect(type.fromBuffer(type.toBuffer(r))).toEqual(r);
    // A record composed elsewhere, with optionals left out and an extra field.
    const loose = JSON.parse(JSON.stringify({ ...r, mag: undefined, cutouts: {}, extra: 1, annotations: { cat: [{ ...ann.cat[0], ellipse_distance: undefined }] } }));
    // avsc encodes it (schema defaults fill the gaps) but decodes another value; toAvroValue is that value.
    expect(type.isValid(loose)).toBe(true);
    expect(type.fromBuffer(type.toBuffer(loose))).not.toEqual(loose);
    const fixed = toAvroValue(loose);
    expect(fixed.annotations.cat[0].ellipse_distance).toBeNull();
    expect(fixed).not.toHaveProperty('extra');
    expect(type.fromBuffer(type.toBuffer(fixed))).toEqual(fixed);
    expect(type.fromBuffer(type.toBuffer(loose))).toEqual(fixed);
  });
});

describe('annotation config', () => {
  it('defaults: every served catalog, best, its radius, long texts left out', () => {
    const specs = annotationSpecs(cats);
    expect(specs.map((s) => [s.served.name, s.mode])).toEqual([['bsc5', 'best'], ['openngc', 'best'], ['gcvs', 'best']]);
    expect(defaultColumns(cats.get('openngc')!)).toEqual(['name', 'type', 'mag', 'major_axis_arcmin', 'minor_axis_arcmin', 'pa_deg']);
    expect(defaultColumns(cats.get('gcvs')!)).toEqual(['vartype']);
  });

  it('reads a JSON file: only the catalogs it names, with their settings', () => {
    const file = path.join(tmp.dir, 'annotate.json');
    writeFileSync(file, JSON.stringify({ catalogs: { bsc5: { radiusArcsec: 30, mode: 'best', columns: ['vmag'] }, openngc: { mode: 'all', k: 2, ellipseScale: 2 } } }));
    const specs = annotationSpecs(cats, file);
    expect(specs.map((s) => s.served.name)).toEqual(['bsc5', 'openngc']);
    const a = new Annotator(specs);
    const star = cats.get('bsc5')!.catalog;
    const [pRa, pDec] = destination(star.ra[10], star.dec[10], 0, 20);
    const got = a.annotate(Float64Array.of(pRa), Float64Array.of(pDec))[0];
    expect(Object.keys(got)).toEqual(['bsc5', 'openngc']);
    expect(got.bsc5[0].columns).toEqual({ vmag: star.values([10], ['vmag'])[0].vmag });
    expect(got.bsc5[0].sep_arcsec).toBeCloseTo(20, 6);
  });

  it.each([
    [{ catalogs: { bsc5: { mode: 'nearest' } } }, /catalogs\.bsc5\.mode must be 'best' or 'all', got "nearest"/],
    [{ catalogs: { bsc5: { radius: 3 } } }, /catalogs\.bsc5\.radius is not a field/],
    [{ catalogs: { bsc5: { radiusArcsec: '3' } } }, /catalogs\.bsc5\.radiusArcsec must be a number/],
    [{ catalogs: { bsc5: { radiusArcsec: -1 } } }, /catalogs\.bsc5: radiusArcsec must be a number in \(0, 648000\], got -1/],
    [{ catalogs: { bsc5: { k: 0 } } }, /catalogs\.bsc5: k must be an integer/],
    [{ catalogs: { bsc5: { columns: ['vmag', 'colour'] } } }, /catalogs\.bsc5: columns: 'colour' is not a column/],
    [{ catalogs: { bsc5: { ellipseScale: 2 } } }, /catalogs\.bsc5: ellipseScale is set but the catalog has no ellipse columns/],
    [{ catalogs: { tycho2: {} } }, /catalogs\.tycho2: no catalog of that name is loaded \(loaded: bsc5, openngc, gcvs\)/],
    [{ catalog: {} }, /expected \{ "catalogs"/],
  ])('rejects %j naming the field', (cfg, msg) => {
    expect(() => annotationSpecs(cats, cfg as never)).toThrow(ConfigError);
    expect(() => annotationSpecs(cats, cfg as never)).toThrow(msg);
  });

  it('a bad file names the file', () => {
    const file = path.join(tmp.dir, 'bad.json');
    writeFileSync(file, '{ "catalogs": ');
    expect(() => annotationSpecs(cats, file)).toThrow(new RegExp(`annotation config ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    writeFileSync(file, JSON.stringify({ catalogs: { gcvs: { mode: 'all', k: 2.5 } } }));
    expect(() => annotationSpecs(cats, file)).toThrow(/bad\.json: catalogs\.gcvs: k must be an integer in \[1, 1000\], got 2\.5/);
  });
});
