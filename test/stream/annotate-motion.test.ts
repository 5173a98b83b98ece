// The stream's annotation moves catalogs with proper motions (BSC5) to each
// alert's time: an alert where 61 Cyg A is in 2026 is annotated with it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogSet, type ServedCatalog } from '../../src/catalog/set.js';
import { julianYearFromMjd, mjdFromJulianYear } from '../../src/sky/epoch.js';
import { Annotator } from '../../src/stream/annotate/annotator.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
let bsc5: ServedCatalog;
beforeAll(async () => {
  bsc5 = (await loadCatalogSet(undefined, tmp.dir)).get('bsc5')!;
});
afterAll(() => tmp.cleanup());

describe('annotation at each alert\'s time', () => {
  it('matches BSC5 rows where they are at the alert\'s epoch, with separation and PA from there', () => {
    const cat = bsc5.catalog;
    const row = cat.ids().toArray().indexOf('HR8085');
    const at = cat.motion!.positionAt(row, 2026.5);
    const ann = new Annotator([{ served: bsc5, mode: 'best', radiusArcsec: 3, columns: [] }]);
    const ra = Float64Array.of(at.raDeg), dec = Float64Array.of(at.decDeg + 1 / 3600);
    const epoch = Float64Array.of(julianYearFromMjd(mjdFromJulianYear(2026.5)));
    const moved = ann.annotate(ra, dec, epoch)[0].bsc5;
    expect(moved.map((m) => m.id)).toEqual(['HR8085']);
    expect(moved[0].sep_arcsec).toBeCloseTo(1, 6);
    expect(moved[0].pa_deg).toBeCloseTo(0, 3); // the alert is due north of where the star is then
    expect(ann.annotate(ra, dec)[0].bsc5).toEqual([]); // at the catalog's own epoch the star is 140" away
  });
});
