import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/stream/alert.js';
import { AlertDecoder, validateAlert } from '../../../src/stream/decode/index.js';
import { abMagFromFlux, fluxFromAbMag, magErrFromFlux } from '../../../src/stream/decode/photometry.js';
import { mjdTaiToUtc, taiMinusUtcSeconds, utcNight } from '../../../src/stream/decode/time.js';
import { FINK_LSST, ZTF_ALERTS, bytes } from './data.js';

describe('time', () => {
  it('night is the UTC calendar date of the MJD', () => {
    fc.assert(
      fc.property(fc.double({ min: 40587, max: 88069, noNaN: true }), (mjd) => {
        const iso = new Date((mjd - 40587) * 86400000).toISOString();
        // Skip instants within a microsecond of midnight (float rounding of the ms value).
        const frac = mjd - Math.floor(mjd);
        fc.pre(frac > 1e-9 && frac < 1 - 1e-9);
        expect(utcNight(mjd)).toBe(iso.slice(0, 10).replaceAll('-', ''));
      }),
      { numRuns: 3000 },
    );
    expect(utcNight(60924.0)).toBe('20250906');
    expect(utcNight(51543.999)).toBe('19991231');
    expect(utcNight(NaN)).toBe('');
  });

  it('TAI to UTC uses 37 s since 2017 and the earlier leap seconds before', () => {
    expect(taiMinusUtcSeconds(60924)).toBe(37);
    expect(taiMinusUtcSeconds(57753.9)).toBe(36);
    expect(mjdTaiToUtc(60924.5)).toBe(60924.5 - 37 / 86400);
  });
});

describe('photometry', () => {
  it('AB magnitude and nJy flux are inverse, and mag needs positive flux', () => {
    fc.assert(
      fc.property(fc.double({ min: 10, max: 30, noNaN: true }), (mag) => {
        expect(abMagFromFlux(fluxFromAbMag(mag, true))).toBeCloseTo(mag, 10);
      }),
    );
    // 31.4 is the rounded zero point Rubin uses (exact: 2.5 log10(3631e9) = 31.39993).
    expect(abMagFromFlux(3631e9)).toBeCloseTo(0, 3);
    expect(abMagFromFlux(1)).toBe(31.4);
    expect(abMagFromFlux(0)).toBeNull();
    expect(abMagFromFlux(-5)).toBeNull();
    expect(magErrFromFlux(100, 10)).toBeCloseTo(0.10857, 5);
    expect(fluxFromAbMag(20, false)).toBeLessThan(0);
  });
});

describe('validateAlert', () => {
  const dec = new AlertDecoder();
  const ztf = (dec.decode(bytes(path.join(ZTF_ALERTS, 'boom/2695378462115010012.avro'))) as Alert[])[0];
  const lsst = (dec.decode(bytes(FINK_LSST)) as Alert[])[0];

  it('accepts real alerts', () => {
    expect(validateAlert(ztf)).toBeNull();
    expect(validateAlert(lsst)).toBeNull();
  });

  it.each<[string, Partial<Alert>]>([
    ['bad_alert_id', { alertId: 0n }],
    ['bad_alert_id', { alertId: -5n }],
    ['missing_object_id', { surveyObjectId: '' }],
    ['bad_ra', { ra: NaN }],
    ['bad_ra', { ra: 360 }],
    ['bad_ra', { ra: -0.1 }],
    ['bad_dec', { dec: 91.2 }],
    ['bad_dec', { dec: NaN }],
    ['bad_time', { mjd: NaN }],
    ['bad_time', { mjd: 0 }],
    ['unknown_band', { band: null }],
    ['unknown_band', { band: 'q' as Alert['band'] }],
    ['missing_photometry', { mag: null, flux: null }],
    ['missing_photometry', { mag: NaN, flux: null }],
  ])('says %s for %o', (reason, patch) => {
    expect(validateAlert({ ...ztf, ...patch })).toBe(reason);
    expect(validateAlert({ ...lsst, ...patch })).toBe(reason);
  });
});
