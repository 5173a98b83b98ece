// skyjoin cover --scheme healpix-nested|healpix-ring|htm --level N --ra DEG --dec DEG --radius-arcsec R
// Prints the id ranges covering the circle, one inclusive `first-last` per line.

import { queryDiscNest, queryDiscNestBig, queryDiscRing, queryDiscRingBig } from '../healpix/api.js';
import { htmCover, htmInterior } from '../htm/cover.js';
import { RangeList } from '../sky/ranges.js';
import { choiceFlag, numberFlag, parse, requireString } from './args.js';
import { UsageError } from './errors.js';
import { PIXEL_SCHEMES, levelMax } from './pixel.js';
import { TextSink } from './output.js';

const USAGE = `usage: skyjoin cover --scheme healpix-nested|healpix-ring|htm --level N --ra DEG --dec DEG --radius-arcsec R
       [--mode overlap|centre] [--max-ranges K]
--mode overlap (default): every pixel the circle touches; centre: HEALPix pixels whose
centre is inside, HTM trixels entirely inside. --max-ranges (HTM): coarsen to at most K
ranges (a superset).`;

export async function coverCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    scheme: { type: 'string' }, level: { type: 'string' }, ra: { type: 'string' }, dec: { type: 'string' },
    'radius-arcsec': { type: 'string' }, mode: { type: 'string' }, 'max-ranges': { type: 'string' },
  }, USAGE);
  requireString(values, 'scheme', USAGE);
  const scheme = choiceFlag(values, 'scheme', PIXEL_SCHEMES, 'htm');
  const level = numberFlag(values, 'level', { min: 0, max: levelMax(scheme), integer: true, required: true }, USAGE);
  const ra = numberFlag(values, 'ra', { required: true }, USAGE);
  const dec = numberFlag(values, 'dec', { min: -90, max: 90, required: true }, USAGE);
  const radius = numberFlag(values, 'radius-arcsec', { min: 0, required: true }, USAGE);
  const mode = choiceFlag(values, 'mode', ['overlap', 'centre'] as const, 'overlap');
  const maxRanges = numberFlag(values, 'max-ranges', { min: 1, integer: true, def: 0 }, USAGE);
  if (maxRanges && scheme !== 'htm') throw new UsageError('--max-ranges applies to --scheme htm only');
  const lines: string[] = [];
  const radiusDeg = radius / 3600;
  if (scheme === 'htm') {
    const a = (((ra % 360) + 360) % 360) * (Math.PI / 180), d = dec * (Math.PI / 180);
    const out = new RangeList();
    const x = Math.cos(d) * Math.cos(a), y = Math.cos(d) * Math.sin(a), z = Math.sin(d);
    if (mode === 'centre') htmInterior(level, x, y, z, radiusDeg * (Math.PI / 180), out);
    else htmCover(level, x, y, z, radiusDeg * (Math.PI / 180), out, maxRanges);
    for (const [s, e] of out.toInclusive()) lines.push(`${s}-${e}`);
  } else {
    const opts = { inclusive: mode === 'overlap' };
    if (level <= 24) {
      const r = scheme === 'healpix-nested' ? queryDiscNest(level, ra, dec, radiusDeg, opts) : queryDiscRing(level, ra, dec, radiusDeg, opts);
      for (const [s, e] of r.toInclusive()) lines.push(`${s}-${e}`);
    } else {
      const r = scheme === 'healpix-nested' ? queryDiscNestBig(level, ra, dec, radiusDeg, opts) : queryDiscRingBig(level, ra, dec, radiusDeg, opts);
      for (const [s, e] of r) lines.push(`${s}-${e - 1n}`);
    }
  }
  const sink = new TextSink();
  for (const l of lines) if (sink.write(`${l}\n`)) await sink.drain();
  await sink.close();
  return 0;
}
