// Display stretches that turn a cutout's pixel values into 8-bit grey levels
// for people (PNG): the science and difference images of an alert span a few
// counts of sky noise and a source thousands of counts bright.
//
// zscale (IRAF's display algorithm, as astropy's ZScaleInterval): a sample of
// up to 1000 pixels, sorted, a straight line fitted to value against rank with
// iterative 2.5-sigma rejection; the limits are the median -/+ the slope
// (divided by contrast 0.25) times half the sample. Linear between them.
//
// asinh: limits from the 0.5 and 99.5 percentiles, then
// asinh(x / a) / asinh(1 / a) with a = 0.1 on the normalised value: linear
// near the sky, logarithmic for bright sources.

export type Stretch = 'zscale' | 'asinh';

function finiteSample(pixels: Float64Array, max: number): Float64Array {
  let n = 0;
  for (let i = 0; i < pixels.length; i++) if (Number.isFinite(pixels[i])) n++;
  const step = Math.max(1, Math.floor(n / max));
  const out = new Float64Array(Math.ceil(n / step));
  let k = 0, seen = 0;
  for (let i = 0; i < pixels.length && k < out.length; i++) {
    if (!Number.isFinite(pixels[i])) continue;
    if (seen++ % step === 0) out[k++] = pixels[i];
  }
  return out.subarray(0, k).sort();
}

/** zscale limits [z1, z2] of the pixels (IRAF defaults: contrast 0.25, 1000 samples). */
export function zscaleLimits(pixels: Float64Array, contrast = 0.25, nSamples = 1000): [number, number] {
  const s = finiteSample(pixels, nSamples);
  const n = s.length;
  if (n === 0) return [0, 1];
  const lo = s[0], hi = s[n - 1];
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  const minPix = Math.max(5, Math.floor(n * 0.5));
  const grow = Math.max(1, Math.floor(n * 0.01));
  const rejected = new Uint8Array(n);
  let good = n, slope = 0, intercept = median;
  for (let iter = 0; iter < 5; iter++) {
    // Least squares of s[i] against i over the pixels not rejected.
    let sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0;
    for (let i = 0; i < n; i++) {
      if (rejected[i]) continue;
      sx += i; sy += s[i]; sxx += i * i; sxy += i * s[i]; m++;
    }
    const den = m * sxx - sx * sx;
    if (m < minPix || den === 0) break;
    slope = (m * sxy - sx * sy) / den;
    intercept = (sy - slope * sx) / m;
    let ss = 0;
    for (let i = 0; i < n; i++) if (!rejected[i]) { const r = s[i] - (intercept + slope * i); ss += r * r; }
    const limit = 2.5 * Math.sqrt(ss / m);
    const flag = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (Math.abs(s[i] - (intercept + slope * i)) > limit) flag[i] = 1;
    // Rejection grows to the neighbours of a rejected pixel (IRAF's ngrow).
    for (let i = 0; i < n; i++) if (flag[i]) for (let j = Math.max(0, i - grow); j <= Math.min(n - 1, i + grow); j++) rejected[j] = 1;
    let nowGood = 0;
    for (let i = 0; i < n; i++) if (!rejected[i]) nowGood++;
    if (nowGood === good || nowGood < minPix) break;
    good = nowGood;
  }
  if (good < minPix) return [lo, hi];
  const z = slope / contrast;
  const center = (n - 1) / 2;
  const z1 = Math.max(lo, median - center * z), z2 = Math.min(hi, median + center * z);
  return z2 > z1 ? [z1, z2] : [lo, hi];
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
