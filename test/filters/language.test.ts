// The filter language's own checks (the HTTP refusals are in
// test/service/filters.test.ts): regular expressions, forbidden names in every
// form, limits, and evaluation on real inputs.

import { describe, expect, it } from 'vitest';
import { evaluateBatch } from '../../src/filters/evaluate.js';
import type { FilterInput } from '../../src/filters/features.js';
import { compileFilter, FilterLanguageError, regexHazard } from '../../src/filters/language.js';

const refused = (e: string): string => {
  try {
    compileFilter(e);
  } catch (err) {
    expect(err).toBeInstanceOf(FilterLanguageError);
    return (err as FilterLanguageError).problem;
  }
  return 'accepted';
};

describe('regular expressions', () => {
  it.each([
    ['^ZTF2[01]', null], ['^[a-z]+$', null], ['(abc)+', null], ['a{2,5}b', null], ['(ab|cd)', null], ['(ab)?c', null],
    ['(a+)+$', /catastrophic/], ['(a*)*', /catastrophic/], ['(a|aa)+', /catastrophic/], ['(\\w+\\s?)*$', /catastrophic/],
    ['((ab)*c)+', /catastrophic/], ['a**', /quantifier to a quantifier/], ['(a)\\1', /back-reference/], ['(?=a)b', /lookaround/],
    ['a{1,5000}', /above 1000/], ['(a', /unbalanced/], ['x'.repeat(300), /longer than 200/], ['[', /does not compile/],
  ])('%s', (pattern, want) => {
    const h = regexHazard(pattern);
    if (want === null) expect(h).toBeNull();
    else expect(h).toMatch(want);
  });
});

describe('refusals', () => {
  it('forbidden names in identifiers, fields, map keys and raw or single-quoted strings', () => {
    for (const e of ['constructor == 1', 'alert.constructor', 'annotations["constructor"].matched', "annotations['__proto__'].matched", 'annotations[r"prototype"].matched', 'alert.__defineGetter__', 'alert.id.valueOf()']) {
      expect(refused(e), e).toBe('forbidden-name');
    }
  });
  it('limits and types', () => {
    expect(refused(`"${'a'.repeat(501)}" == alert.id`)).toBe('huge-literal');
    expect(refused(`"${'a'.repeat(500)}" == alert.id`)).toBe('accepted');
    expect(refused(`${'['.repeat(17)}1${']'.repeat(17)} == []`)).toBe('too-deep');
    expect(refused('alert.mag')).toBe('not-bool');
    expect(refused('alert.mag >')).toBe('syntax');
    expect(refused('alert.band > 1.0')).toBe('type');
    expect(refused('')).toBe('syntax');
  });
});

describe('evaluation', () => {
  const input = (mag: number, band: string, hits: string[] = []): FilterInput => ({
    alert: { id: '1', survey: 'ztf', object_id: 'ZTF21abc', ra: 1, dec: 2, mjd: 60000, night: '20230225', band, mag, mag_err: 0.1, flux: NaN, flux_err: NaN, is_diff_pos: true, rb: 0.9, drb: NaN, reliability: NaN, sgscore: NaN, distpsnr: NaN, ssdistnr: NaN, ndethist: 3, programid: 1 },
    object: { id: '7', ra: 1, dec: 2, n_detections: 3, first_mjd: 59990, last_mjd: 60000, aliases: [] },
    features: {} as FilterInput['features'],
    annotations: {},
    watch: { hit: hits.length > 0, lists: hits, names: hits, targets: hits },
  });
  it('NaN compares false; matches, starts-with, in, has; errors are counted with the first message', () => {
    const fs = ['alert.drb > 0.5', '!(alert.drb > 0.5) && alert.band == "g"', 'alert.object_id.matches("^ZTF21") && "wl_x" in watch.lists', 'has(annotations.gcvs)', 'annotations.gcvs.matched']
      .map((e, i) => ({ id: `f${i}`, owner: 'o', version: 1, fn: compileFilter(e) }));
    const inputs = [input(18, 'g'), input(19, 'r', ['wl_x']), input(20, 'g', ['wl_x'])];
    const out = evaluateBatch(fs, inputs, undefined);
    expect(out.map((o) => o.matches)).toEqual([[], [0, 2], [1, 2], [], []]);
    expect(out[4]).toMatchObject({ errors: 3, evaluated: 3, firstError: { alert: 0 } });
    expect(out[4].firstError!.message).toMatch(/gcvs/);
  });
  it('a filter over its budget stops for the rest of the batch; the next one still runs whole', () => {
    const slow = compileFilter('[1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0,9.0,10.0].all(a, [1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0,9.0,10.0].all(b, [1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0,9.0,10.0].all(c, [1.0,2.0,3.0,4.0,5.0,6.0,7.0,8.0,9.0,10.0].all(d, a + b + c + d > alert.mag - 100.0))))');
    const fast = compileFilter('alert.mag < 19.0');
    // The slow one costs ~10,000 steps per alert: seconds for 5,000 alerts, far past 200 ms; the fast one ~1 ms.
    const inputs = Array.from({ length: 5_000 }, (_, i) => input(15 + (i % 8), 'g'));
    const [s, f] = evaluateBatch([{ id: 's', owner: 'o', version: 1, fn: slow }, { id: 'f', owner: 'o', version: 1, fn: fast }], inputs, undefined, { budgetUsPerAlert: 0.001, minBudgetMs: 200 });
    expect(s.overBudget).toBe(true);
    expect(s.evaluated).toBeLessThan(inputs.length);
    expect(f.evaluated).toBe(inputs.length);
    expect(f.matches).toHaveLength(inputs.filter((x) => x.alert.mag < 19).length);
  });
});
