// Crossmatch with positional uncertainties: every pair within the hard
// radius gets its separation in units of the combined error (sigma_sep);
// `withinSigma` K keeps the pairs with sigma_sep <= K; `bayes` adds the
// Budavári & Szalay (2008) Bayes factor and posterior (bayes.ts) with a
// prior from the catalog's local density, and 'best' keeps the most probable
// row of each source (without bayes: the smallest sigma_sep).
//
// The engine does the search: with withinSigma only as far as K times the
// widest combined error (capped by the hard radius), so small errors cost no
// more than a small radius. Scoring runs on
// the pairs found, never on the catalog.

import { normalizeRa, RAD_PER_DEG, ARCSEC_PER_RAD } from '../sky/angles.js';
import { logBayesFactor, posterior } from './bayes.js';
import { crossmatch, type CrossmatchOptions } from './crossmatch.js';
import { DensityMap } from './density.js';
import type { Matches } from './matches.js';
import { ErrorCovariance, sigmaDistance, type PositionErrors } from './position-errors.js';
import type { SkyIndex } from './sky-index.js';

export interface UncertainMatchOptions {
  /** Hard upper radius (arcsec): no pair beyond it, whatever the errors. */
  radiusArcsec: number | Float64Array;
  /** 'all' pairs (default) or the 'best' row per source: highest posterior with bayes, else smallest sigma_sep. */
  mode?: 'all' | 'best';
  /** The sources' errors (row order of ra/dec). */
  sourceErrors?: PositionErrors;
  /** The catalog rows' errors (the row order the index reports). */
  catalogErrors?: PositionErrors;
  /** Keep pairs within this many combined sigmas. */
  withinSigma?: number;
  /** The probabilistic mode: Bayes factor and posterior per pair. */
  bayes?: boolean | BayesOptions;
  /** The catalog's positions (degrees) in the row order the index reports: the offsets are measured on them. */
  catalogRa: Float64Array;
  catalogDec: Float64Array;
  /** Proper motions, as for crossmatch: offsets are then measured at each source's epoch. */
  motion?: CrossmatchOptions['motion'];
  epochYear?: CrossmatchOptions['epochYear'];
}

export interface BayesOptions {
  /** P(H) for every source (or per source); default: from the catalog's density around each source. */
  prior?: number | Float64Array;
  /** Share of sources that have a counterpart in the catalog, for the density prior (default 1). */
  counterpartFraction?: number;
  /** The catalog's density map (built from catalogRa/catalogDec when absent; build once for many calls). */
  density?: DensityMap;
}

export interface ScoredMatches extends Matches {
  /** Separation in units of the combined error (Mahalanobis distance). */
  sigmaSep: Float64Array;
  /** Bayes mode only. */
  bayesFactor?: Float64Array;
  probability?: Float64Array;
}

function checkFinite(v: number, name: string, min: number): void {
  if (typeof v !== 'number' || !(v >= min) || v === Infinity) throw new RangeError(`${name} must be a finite number >= ${min}, got ${String(v)}`);
}

export function crossmatchUncertain(index: SkyIndex, ra: Float64Array, dec: Float64Array, opts: UncertainMatchOptions): ScoredMatches {
  const n = ra.length;
  const mode = opts.mode ?? 'all';
  if (mode !== 'all' && mode !== 'best') throw new RangeError(`mode must be all|best, got '${String(mode)}'`);
  if (!opts.sourceErrors && !opts.catalogErrors) throw new TypeError('positional uncertainties are needed: sourceErrors, catalogErrors or both');
  if (opts.withinSigma !== undefined) checkFinite(opts.withinSigma, 'withinSigma', 0);
  const nCat = index.length;
  if (!(opts.catalogRa instanceof Float64Array) || !(opts.catalogDec instanceof Float64Array) || opts.catalogRa.length !== nCat || opts.catalogDec.length !== nCat) {
    throw new RangeError(`catalogRa and catalogDec must be Float64Arrays of the index's ${nCat} rows`);
  }
  const src = opts.sourceErrors ? ErrorCovariance.of(opts.sourceErrors, n, 'sourceErrors') : ErrorCovariance.none(n);
  const cat = opts.catalogErrors ? ErrorCovariance.of(opts.catalogErrors, nCat, 'catalogErrors') : ErrorCovariance.none(nCat);
  const bayes = opts.bayes ? (opts.bayes === true ? {} : opts.bayes) : null;
  if (bayes?.counterpartFraction !== undefined) checkFinite(bayes.counterpartFraction, 'counterpartFraction', 0);
  if (bayes && typeof bayes.prior === 'number') checkFinite(bayes.prior, 'prior', 0);
  if (bayes && bayes.prior instanceof Float64Array && bayes.prior.length !== n) throw new RangeError(`prior must be a number or a Float64Array of ${n} values`);

  // Search radius: the hard radius, or less where K times the widest combined
  // error reaches less far: one radius for all (no per-probe work).
  let radius: number | Float64Array = opts.radiusArcsec;
  const K = opts.withinSigma;
  if (K !== undefined) {
    let srcMax = 0;
    for (let p = 0; p < n; p++) { const v = src.maxVarianceAt(p); if (v > srcMax) srcMax = v; }
    const reach = K * Math.sqrt(srcMax + cat.maxVariance) * (1 + 1e-9) + 1e-9;
    if (typeof radius === 'number') radius = Math.min(radius, reach);
    else radius = Float64Array.from(radius, (h) => Math.min(h, reach));
  }
  const m = crossmatch(index, ra, dec, { radiusArcsec: radius, mode: 'all', motion: opts.motion, epochYear: opts.epochYear });

  const density = bayes && bayes.prior === undefined ? (bayes.density ?? DensityMap.build(opts.catalogRa, opts.catalogDec)) : null;
  const fraction = bayes?.counterpartFraction ?? 1;
  const keep = new Uint32Array(m.length);
  const sig = new Float64Array(m.length), logB = bayes ? new Float64Array(m.length) : null, prob = bayes ? new Float64Array(m.length) : null;
  const cv = new Float64Array(3);
  let k = 0, lastProbe = -1, priorP = 0, sx = 0, sy = 0, sz = 0, srcRa = 0, srcDec = 0;
  for (let i = 0; i < m.length; i++) {
    const p = m.probe[i], row = m.row[i];
    if (p !== lastProbe) {
      lastProbe = p;
      srcRa = normalizeRa(ra[p]) * RAD_PER_DEG; srcDec = dec[p] * RAD_PER_DEG;
      sx = Math.cos(srcDec) * Math.cos(srcRa); sy = Math.cos(srcDec) * Math.sin(srcRa); sz = Math.sin(srcDec);
      if (bayes) {
        const pr = bayes.prior;
        priorP = pr === undefined ? Math.min(1, fraction / (4 * Math.PI * density!.perSteradian(normalizeRa(ra[p]), dec[p]))) : typeof pr === 'number' ? pr : pr[p];
      }
    }
    // The catalog row where it is at the source's epoch, and its east/north axes.
    if (opts.motion) {
      const t = typeof opts.epochYear === 'number' ? opts.epochYear : opts.epochYear![p];
      opts.motion.vectorAt(row, t, cv);
    } else {
      const a = normalizeRa(opts.catalogRa[row]) * RAD_PER_DEG, d = opts.catalogDec[row] * RAD_PER_DEG;
      cv[0] = Math.cos(d) * Math.cos(a); cv[1] = Math.cos(d) * Math.sin(a); cv[2] = Math.sin(d);
    }
    const rxy = Math.hypot(cv[0], cv[1]);
    const ca = rxy > 0 ? cv[0] / rxy : 1, sa = rxy > 0 ? cv[1] / rxy : 0; // cos, sin of the row's RA
    const sd = cv[2], cd = rxy;
    // Gnomonic offsets of the source from the row (arcsec): east, north.
    const w = sx * cv[0] + sy * cv[1] + sz * cv[2];
    const dE = ((-sa * sx + ca * sy) / w) * ARCSEC_PER_RAD;
    const dN = ((-sd * ca * sx - sd * sa * sy + cd * sz) / w) * ARCSEC_PER_RAD;
    const ee = src.eeAt(p) + cat.eeAt(row), nn = src.nnAt(p) + cat.nnAt(row), en = src.enAt(p) + cat.enAt(row);
    const s = sigmaDistance(dE, dN, ee, nn, en);
    if (K !== undefined && !(s <= K)) continue;
    sig[k] = s;
    if (bayes) {
      logB![k] = logBayesFactor(ee, nn, en, s);
      prob![k] = posterior(logB![k], priorP);
    }
    keep[k++] = i;
  }
  let chosen: Uint32Array = Uint32Array.from({ length: k }, (_, j) => j);
  if (mode === 'best') chosen = bestOfEachProbe(m, keep, k, sig, prob);
  const len = chosen.length;
  const out: ScoredMatches = {
    probe: new Uint32Array(len), row: new Uint32Array(len), sepArcsec: new Float64Array(len), length: len,
    sigmaSep: new Float64Array(len),
    ...(bayes ? { bayesFactor: new Float64Array(len), probability: new Float64Array(len) } : {}),
  };
  for (let j = 0; j < len; j++) {
    const c = chosen[j], i = keep[c];
    out.probe[j] = m.probe[i]; out.row[j] = m.row[i]; out.sepArcsec[j] = m.sepArcsec[i];
    out.sigmaSep[j] = sig[c];
    if (bayes) { out.bayesFactor![j] = Math.exp(logB![c]); out.probability![j] = prob![c]; }
  }
  return out;
}

/** Per probe, the kept pair of highest probability (or smallest sigma_sep); ties: smaller separation, then lower row. */
function bestOfEachProbe(m: Matches, keep: Uint32Array, k: number, sig: Float64Array, prob: Float64Array | null): Uint32Array {
  const out: number[] = [];
  let j = 0;
  while (j < k) {
    const p = m.probe[keep[j]];
    let best = j;
    let e = j + 1;
    for (; e < k && m.probe[keep[e]] === p; e++) {
      const better = prob
        ? prob[e] > prob[best] || (prob[e] === prob[best] && sig[e] < sig[best])
        : sig[e] < sig[best];
      // Pairs of a probe come closest first, then lower row: a tie keeps the earlier one.
      if (better) best = e;
    }
    out.push(best);
    j = e;
  }
  return Uint32Array.from(out);
}
