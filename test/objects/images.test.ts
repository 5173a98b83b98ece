// Cutout pictures and time scales: the FITS reader on real ZTF cutouts, the
// zscale limits against astropy's ZScaleInterval on the same cutouts (values
// computed with astropy 5 from the packets' cutouts), the PNG encoder decoded
// back, and the TAI-UTC table at leap-second boundaries.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readFitsImage } from '../../src/objects/fits-image.js';
import { crc32, encodeGreyPng } from '../../src/objects/png.js';
import { stretchToGrey, zscaleLimits } from '../../src/objects/stretch.js';
import { isoUtcOfTai, mjdTai, taiMinusUtcSeconds } from '../../src/objects/time-scale.js';
import { readContainer } from '../../src/stream/decoding/container.js';

const DIR = '/work/shared/data/ztf/alerts/pgb_ZTF21abiuvdk_lightcurve';

/** The three cutouts (gunzipped FITS) of an alert of ZTF21abiuvdk. */
function cutouts(candid: string): Record<string, Buffer> {
  const f = readdirSync(DIR).find((n) => n.includes(candid))!;
  const r = readContainer(readFileSync(path.join(DIR, f))).records[0] as Record<string, { stampData: Uint8Array }>;
  return { science: gunzipSync(r.cutoutScience.stampData), template: gunzipSync(r.cutoutTemplate.stampData), difference: gunzipSync(r.cutoutDifference.stampData) };
}

// astropy.visualization.ZScaleInterval().get_limits(data) of each cutout.
const ASTROPY: Record<string, Record<string, [number, number]>> = {
  '1707409520815015012': { science: [105.22330474853516, 782.1884266920827], template: [112.9312515258789, 768.8725180087868], difference: [-30.76064682006836, 45.30253667630225] },
  '1642404680815015001': { science: [130.4754638671875, 1473.9298775171164], template: [151.73434448242188, 1485.81017789199], difference: [-62.253456115722656, 83.74320703875632] },
  '1642448210815015010': { science: [72.6700439453125, 697.1153971455202], template: [98.98785400390625, 676.7077073960833], difference: [-45.405094146728516, 69.78225164802863] },
};

describe('cutout pictures', () => {
  it('reads ZTF cutouts as 63 x 63 float images', () => {
    const img = readFitsImage(cutouts('1707409520815015012').science);
    expect([img.width, img.height]).toEqual([63, 63]);
    expect(img.header.get('BUNIT')).toBe('DN');
    expect(img.pixels.every((v) => Number.isFinite(v))).toBe(true);
    expect(() => readFitsImage(new Uint8Array(100))).toThrow(/END card/);
  });

  it.each(Object.keys(ASTROPY))('zscale limits of alert %s equal astropy ZScaleInterval', (candid) => {
    const c = cutouts(candid);
    for (const kind of ['science', 'template', 'difference']) {
      const [z1, z2] = zscaleLimits(readFitsImage(c[kind]).pixels);
      expect(z1, kind).toBeCloseTo(ASTROPY[candid][kind][0], 6);
      expect(z2, kind).toBeCloseTo(ASTROPY[candid][kind][1], 6);
    }
  });

  it('encodes a PNG that decodes back to the grey levels, north up', () => {
    const img = readFitsImage(cutouts('1707409520815015012').difference);
    const grey = stretchToGrey(img, 'asinh');
    // Row 0 of the picture is the last FITS row.
    const top = img.pixels.subarray((img.height - 1) * img.width);
    const order = (a: ArrayLike<number>) => Array.from(a).map((v, i) => [v, i]).sort((p, q) => p[0] - q[0] || p[1] - q[1]).map((p) => p[1]);
    expect(order(grey.subarray(0, img.width)).at(-1)).toBe(order(top).at(-1));
    const png = encodeGreyPng(grey, img.width, img.height, 3);
    expect(png.readUInt32BE(16)).toBe(189);
    const len = png.readUInt32BE(33);
    expect(png.readUInt32BE(41 + len)).toBe(crc32(png.subarray(37, 41 + len)));
    const rows = inflateSync(png.subarray(41, 41 + len));
    for (let y = 0; y < 189; y += 7) {
      expect(rows[y * 190]).toBe(0);
      for (let x = 0; x < 189; x += 5) expect(rows[y * 190 + 1 + x]).toBe(grey[Math.floor(y / 3) * 63 + Math.floor(x / 3)]);
    }
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });
});

describe('time scale', () => {
  it('TAI - UTC steps at the leap seconds', () => {
    expect(taiMinusUtcSeconds(57753.99)).toBe(36); // 2016-12-31
    expect(taiMinusUtcSeconds(57754)).toBe(37); // 2017-01-01
    expect(taiMinusUtcSeconds(51178.5)).toBe(31);
    expect(taiMinusUtcSeconds(51179)).toBe(32);
    expect(taiMinusUtcSeconds(41316)).toBe(10);
  });
  it('ZTF (UTC) times move by TAI - UTC, Rubin (TAI) times stay, and go back to the UTC date', () => {
    expect(mjdTai(59461.40953, 'ztf')).toBeCloseTo(59461.40953 + 37 / 86400, 12);
    expect(mjdTai(60924.3, 'lsst')).toBe(60924.3);
    expect(isoUtcOfTai(mjdTai(59461.5, 'ztf'))).toBe('2021-09-04T12:00:00.000Z');
    expect(isoUtcOfTai(mjdTai(57753.75, 'ztf'))).toBe('2016-12-31T18:00:00.000Z');
  });
});
