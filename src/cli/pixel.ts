// skyjoin pixel --scheme healpix-nested|healpix-ring|htm --level N --in FILE [--out FILE]
// Writes `id,pixel` for each row; pixel ids in decimal, exact at every level.

import { loadPositions } from '../catalog/positions.js';
import { ang2pixNest, ang2pixNestBig, ang2pixRing, ang2pixRingBig } from '../healpix/api.js';
import { htmIndexRaDec } from '../htm/lookup.js';
import { choiceFlag, numberFlag, optionalString, parse, requireString } from './args.js';
import { TextSink, csvField } from './output.js';

export const PIXEL_SCHEMES = ['healpix-nested', 'healpix-ring', 'htm'] as const;
export type PixelScheme = (typeof PIXEL_SCHEMES)[number];

const USAGE = `usage: skyjoin pixel --scheme healpix-nested|healpix-ring|htm --level N --in FILE [--out FILE]
       [--id-col id] [--ra-col ra] [--dec-col dec]
N: the HEALPix order (0-29) or the HTM depth (0-24).`;

export function levelMax(scheme: PixelScheme): number {
  return scheme === 'htm' ? 24 : 29;
}

/** Pixel id of a position as exact decimal text. */
export function pixelOf(scheme: PixelScheme, level: number, ra: number, dec: number): string {
  switch (scheme) {
    case 'htm': return String(htmIndexRaDec(level, ra, dec));
    case 'healpix-nested': return level <= 24 ? String(ang2pixNest(level, ra, dec)) : ang2pixNestBig(level, ra, dec).toString();
    case 'healpix-ring': return level <= 24 ? String(ang2pixRing(level, ra, dec)) : ang2pixRingBig(level, ra, dec).toString();
  }
}

export async function pixelCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    scheme: { type: 'string' }, level: { type: 'string' }, in: { type: 'string' }, out: { type: 'string' },
    'id-col': { type: 'string' }, 'ra-col': { type: 'string' }, 'dec-col': { type: 'string' },
  }, USAGE);
  requireString(values, 'scheme', USAGE);
  const scheme = choiceFlag(values, 'scheme', PIXEL_SCHEMES, 'healpix-nested');
  const level = numberFlag(values, 'level', { min: 0, max: levelMax(scheme), integer: true, required: true }, USAGE);
  const file = requireString(values, 'in', USAGE);
  const sink = new TextSink(optionalString(values, 'out'));
  try {
    const rows = await loadPositions(file, {
      idCol: optionalString(values, 'id-col'), raCol: optionalString(values, 'ra-col'), decCol: optionalString(values, 'dec-col'),
    });
    sink.write('id,pixel\n');
    for (let i = 0; i < rows.rows; i++) {
      if (sink.write(`${csvField(rows.id(i))},${pixelOf(scheme, level, rows.ra[i], rows.dec[i])}\n`)) await sink.drain();
    }
    await sink.close();
  } catch (err) {
    sink.discard();
    throw err;
  }
  return 0;
}
