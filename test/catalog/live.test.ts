import fc from 'fast-check';
import { open, type RootDatabase } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveCatalog } from '../../src/catalog/live.js';
import { SkyIndex } from '../../src/match/sky-index.js';
import { bruteCone, byNumber } from '../support/sky.js';
import { SCHEMES } from '../support/schemes.js';
import { tempDir } from '../support/tmp.js';

let env: RootDatabase;
let tmp: ReturnType<typeof tempDir>;
let seq = 0;

beforeAll(() => {
  tmp = tempDir();
  env = open({ path: tmp.dir, maxDbs: 512 });
});
afterAll(async () => {
  await env.close();
  tmp.cleanup();
});

const arbPos = fc.tuple(
  fc.oneof(fc.double({ min: 0, max: 360, maxExcluded: true, noNaN: true }), fc.constantFrom(0, 359.99999999, 180)),
  fc.oneof(fc.double({ min: -90, max: 90, noNaN: true }), fc.constantFrom(90, -90, 0, 89.9999)),
);
const arbNear = (c: [number, number]) =>
  fc.tuple(fc.double({ min: -0.01, max: 0.01, noNaN: true }), fc.double({ min: -0.01, max: 0.01, noNaN: true }))
    .map(([a, b]) => [((c[0] + a) % 360 + 360) % 360, Math.max(-90, Math.min(90, c[1] + b))] as [number, number]);

type Op = { op: 'put'; id: number; pos: [number, number] } | { op: 'del'; id: number };

const arbOps = arbPos.chain((centre) =>
  fc.record({
    centre: fc.constant(centre),
    ops: fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('put' as const), id: fc.integer({ min: 0, max: 40 }), pos: fc.oneof(arbNear(centre), arbPos) }),
        fc.record({ op: fc.constant('del' as const), id: fc.integer({ min: 0, max: 40 }) }),
      ),
      { maxLength: 80 },
    ),
    radius: fc.constantFrom(0, 1, 30, 600, 3600, 90 * 3600),
  }),
);

describe.each(SCHEMES)('LMDB live catalog, scheme %j', (scheme) => {
  it('random inserts, moves and deletes match a brute-force model', async () => {
    await fc.assert(
      fc.asyncProperty(arbOps, async ({ centre, ops, radius }) => {
        const live = LiveCatalog.open(env, `t${seq++}`, { scheme });
        const model = new Map<number, [number, number]>();
        await env.transaction(() => {
          for (const o of ops) {
            if (o.op === 'put') {
              live.upsertInTxn({ id: o.id, ra: o.pos[0], dec: o.pos[1] });
              model.set(o.id, o.pos);
            } else {
              expect(live.deleteInTxn(o.id)).toBe(model.delete(o.id));
            }
          }
        });
        expect(live.count()).toBe(model.size);
        const ids = [...model.keys()];
        const cat = { ra: Float64Array.from(ids, (i) => model.get(i)![0]), dec: Float64Array.from(ids, (i) => model.get(i)![1]) };
        const want = bruteCone(cat, centre[0], centre[1], radius).map((k) => ids[k]).sort(byNumber);
        const got = live.cone(centre[0], centre[1], radius).map((h) => h.id).sort(byNumber);
        expect(got).toEqual(want);
      }),
      { numRuns: 60 },
    );
  });

  it('crossmatch equals the static engine on the same rows', async () => {
    const live = LiveCatalog.open(env, `x${seq++}`, { scheme });
    const n = 2000;
    const ra = new Float64Array(n), dec = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      ra[i] = (i * 137.508) % 360;
      dec[i] = Math.asin(((i * 0.6180339887) % 1) * 2 - 1) * 57.29577951308232;
    }
    await live.upsertMany(Array.from(ra, (r, i) => ({ id: i, ra: r, dec: dec[i] })));
    const pra = Float64Array.from(ra.slice(0, 500), (r, i) => (r + (i % 3) * 0.0002) % 360);
    const pdec = dec.slice(0, 500);
    const index = SkyIndex.build(ra, dec, scheme);
    for (const mode of ['all', 'best'] as const) {
      const a = index.crossmatch(pra, pdec, { radiusArcsec: 7200, mode });
      const b = live.crossmatch(pra, pdec, { radiusArcsec: 7200, mode });
      expect(b.length).toBe(a.length);
      expect(Array.from(b.probe)).toEqual(Array.from(a.probe));
      expect(Array.from(b.id)).toEqual(Array.from(a.row));
      expect(Array.from(b.sepArcsec)).toEqual(Array.from(a.sepArcsec));
    }
  });
});

describe('LMDB live catalog', () => {
  it('sees its own uncommitted writes inside a transaction', async () => {
    const live = LiveCatalog.open(env, `w${seq++}`);
    await env.transaction(() => {
      live.upsertInTxn({ id: 1, ra: 10, dec: 10 });
      expect(live.cone(10, 10, 1).map((h) => h.id)).toEqual([1]);
      live.upsertInTxn({ id: 1, ra: 20, dec: 10 });
      expect(live.cone(10, 10, 1)).toEqual([]);
    });
    expect(live.get(1)).toMatchObject({ ra: 20, dec: 10 });
  });

  it('refuses a different scheme for an existing catalog and bad rows', () => {
    const name = `s${seq++}`;
    LiveCatalog.open(env, name, { scheme: { kind: 'zones', zoneHeightDeg: 1 } });
    expect(() => LiveCatalog.open(env, name, { scheme: { kind: 'zones', zoneHeightDeg: 2 } })).toThrow('was created with scheme');
    const live = LiveCatalog.open(env, name);
    expect(() => env.transactionSync(() => live.upsertInTxn({ id: 1, ra: 0, dec: 91.2 }))).toThrow('dec must be in [-90, 90], got 91.2');
    expect(() => env.transactionSync(() => live.upsertInTxn({ id: -1, ra: 0, dec: 0 }))).toThrow('row id');
  });
});
