// Display stretches that turn a cutout's pixel values into 8-bit grey levels
// for people (PNG): the science and difference images of an alert span a few
// counts of sky noise and a source thousands of counts bright.
//
// zscale (IRAF's display algorithm, as astropy's ZScaleInterval): a sample of
// up to 1000 pixels, sorted, a straight line fitted to value against rank with
// iterative 2.5-sigma rejection; the limits are the median -/+ the slope
// (divided by contrast 0.25) times half the sample. Linear between them.
// (The first zscale written here differed from astropy's in the rejection
// window and the limits' ends; test/objects/images.test.ts checks it against
// astropy's values for real cutouts.)
//
// asinh: limits from the 0.5 and 99.5 percentiles, then
// asinh(x / a) / asinh(1 / a) with a = 0.1 on the normalised value: linear
// near the sky, logarithmic for bright sources.

export type Stretch = 'zscale' | 'asinh';

function finiteSample(pixels: Float64Array, max: number): Float64Array {
  let n = 0;
  for (let i = 0; i < pixels.length; i++) if (Number.isFinite(pixels[i])) n++;
  const step = Math.max(1, Math.floor(n / max));
  const out = new Float64Array(Math.min(max, Math.ceil(n / step)));
  let k = 0, seen = 0;
  for (let i = 0; i < pixels.length && k < out.length; i++) {
    if (!Number.isFinite(pixels[i])) continue;
    if (seen++ % step === 0) out[k++] = pixels[i];
  }
  return out.subarray(0, k).sort();
}

/**
 * zscale limits [z1, z2] of the pixels: IRAF's algorithm as astropy's
 * ZScaleInterval computes it (1000 samples taken with a stride, contrast
 * 0.25, 2.5-sigma rejection grown by a 1% window, at most 5 iterations, at
 * least half the sample kept).
 */
export function zscaleLimits(pixels: Float64Array, contrast = 0.25, nSamples = 1000): [number, number] {
  const s = finiteSample(pixels, nSamples);
  const n = s.length;
  if (n === 0) return [0, 1];
  const zmin = s[0], zmax = s[n - 1];
  const minPix = Math.max(5, Math.floor(n * 0.5));
  const grow = Math.max(1, Math.floor(n * 0.01));
  const off = (grow - 1) >> 1; // numpy.convolve(..., mode='same') centring
  let bad = new Uint8Array(n);
  const next = new Uint8Array(n);
  let good = n, lastGood = n + 1, slope = 0;
  for (let iter = 0; iter < 5; iter++) {
    if (good >= lastGood || good < minPix) break;
    // Least squares of s[i] against i over the pixels not rejected.
    let sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
    for (let i = 0; i < n; i++) {
      if (bad[i]) continue;
      sx += i; sy += s[i]; sxx += i * i; sxy += i * s[i]; m++;
    }
    const den = m * sxx - sx * sx;
    if (den === 0) break;
    slope = (m * sxy - sx * sy) / den;
    const intercept = (sy - slope * sx) / m;
    let mean = 0;
    for (let i = 0; i < n; i++) if (!bad[i]) mean += s[i] - (intercept + slope * i);
    mean /= m;
    let ss = 0;
    for (let i = 0; i < n; i++) if (!bad[i]) { const r = s[i] - (intercept + slope * i) - mean; ss += r * r; }
    const threshold = 2.5 * Math.sqrt(ss / m);
    for (let i = 0; i < n; i++) if (Math.abs(s[i] - (intercept + slope * i)) > threshold) bad[i] = 1;
    // Grow the rejected pixels: window [i + off - grow + 1, i + off].
    for (let i = 0; i < n; i++) {
      let any = 0;
      for (let j = Math.max(0, i + off - grow + 1); j <= Math.min(n - 1, i + off) && !any; j++) any = bad[j];
      next[i] = any;
    }
    bad = Uint8Array.from(next);
    lastGood = good;
    good = 0;
    for (let i = 0; i < n; i++) if (!bad[i]) good++;
  }
  if (good < minPix) return [zmin, zmax];
  const z = contrast > 0 ? slope / contrast : slope;
  const center = (n - 1) >> 1;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return [Math.max(zmin, median - (center - 1) * z), Math.min(zmax, median + (n - center) * z)];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))];
}

/** Grey levels 0-255, one byte a pixel, top row first (a picture's order). */
export function stretchToGrey(img: { width: number; height: number; pixels: Float64Array }, stretch: Stretch): Uint8Array {
  const { width, height, pixels } = img;
  let z1: number, z2: number;
  if (stretch === 'zscale') {
    [z1, z2] = zscaleLimits(pixels);
  } else {
    const s = finiteSample(pixels, 1 << 20);
    z1 = percentile(s, 0.005);
    z2 = percentile(s, 0.995);
  }
  const span = z2 > z1 ? z2 - z1 : 1;
  const a = 0.1, norm = Math.asinh(1 / a);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    // FITS row 0 is the bottom of the picture: flip.
    const src = (height - 1 - y) * width, dst = y * width;
    for (let x = 0; x < width; x++) {
      const v = pixels[src + x];
      if (!Number.isFinite(v)) { out[dst + x] = 0; continue; }
      let t = Math.min(1, Math.max(0, (v - z1) / span));
      if (stretch === 'asinh') t = Math.asinh(t / a) / norm;
      out[dst + x] = Math.round(t * 255);
    }
  }
  return out;
}
