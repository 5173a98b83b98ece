// skyjoin xmatch --catalog FILE --sources FILE --radius-arcsec R
//   [--scheme zones|rowcol|htm|healpix] [--mode all|best] [--out FILE]
//   [--id-col id --ra-col ra --dec-col dec]
// Writes CSV `source_id,catalog_id,sep_arcsec`, one line per pair, sorted by
// source_id then sep_arcsec; ids exactly as read.

import { loadPositions } from '../catalog/positions.js';
import { SCHEME_KINDS } from '../match/scheme.js';
import { SkyIndex } from '../match/sky-index.js';
import type { Matches } from '../match/matches.js';
import type { TextColumn } from '../catalog/text.js';
import { choiceFlag, numberFlag, optionalString, parse, requireString } from './args.js';
import { idOrder } from './ids.js';
import { TextSink, csvField } from './output.js';

const USAGE = `usage: skyjoin xmatch --catalog FILE --sources FILE --radius-arcsec R
       [--scheme zones|rowcol|htm|healpix] [--mode all|best] [--out FILE]
       [--id-col id] [--ra-col ra] [--dec-col dec]
FILE: CSV or CSV.gz with a header holding id,ra,dec (degrees), Parquet, or a
catalog built by 'skyjoin catalog build' (.arrow).`;

export async function xmatchCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    catalog: { type: 'string' },
    sources: { type: 'string' },
    'radius-arcsec': { type: 'string' },
    scheme: { type: 'string' },
    mode: { type: 'string' },
    out: { type: 'string' },
    'id-col': { type: 'string' },
    'ra-col': { type: 'string' },
    'dec-col': { type: 'string' },
  }, USAGE);
  const catalogPath = requireString(values, 'catalog', USAGE);
  const sourcesPath = requireString(values, 'sources', USAGE);
  const radius = numberFlag(values, 'radius-arcsec', { min: 0, required: true }, USAGE);
  const scheme = choiceFlag(values, 'scheme', SCHEME_KINDS, 'zones');
  const mode = choiceFlag(values, 'mode', ['all', 'best'] as const, 'all');
  const cols = {
    idCol: optionalString(values, 'id-col') ?? 'id',
    raCol: optionalString(values, 'ra-col') ?? 'ra',
    decCol: optionalString(values, 'dec-col') ?? 'dec',
  };
  // The output is checked (and its temporary file made) before any reading.
  const sink = new TextSink(optionalString(values, 'out'));
  try {
    const [catalog, sources] = await Promise.all([loadPositions(catalogPath, cols), loadPositions(sourcesPath, cols)]);
    const index = catalog.index?.scheme.kind === scheme
      ? catalog.index
      : SkyIndex.build(catalog.ra, catalog.dec, scheme, { radiusArcsec: radius, rowIds: true });
    const matches = index.crossmatch(sources.ra, sources.dec, { radiusArcsec: radius, mode });
    await writePairs(sink, sources.ids, catalog.ids, matches);
  } catch (err) {
    sink.discard();
    throw err;
  }
  return 0;
}

async function writePairs(sink: TextSink, sourceIds: TextColumn, catalogIds: TextColumn, m: Matches): Promise<void> {
  const n = sourceIds.length;
  const start = new Uint32Array(n + 1);
  for (let i = 0; i < m.length; i++) start[m.probe[i] + 1]++;
  for (let p = 0; p < n; p++) start[p + 1] += start[p];
  sink.write('source_id,catalog_id,sep_arcsec\n');
  for (const p of idOrder(sourceIds.toArray())) {
    if (start[p] === start[p + 1]) continue;
    const sid = csvField(sourceIds.get(p));
    for (let k = start[p]; k < start[p + 1]; k++) {
      if (sink.write(`${sid},${csvField(catalogIds.get(m.row[k]))},${m.sepArcsec[k].toFixed(6)}\n`)) await sink.drain();
    }
  }
  await sink.close();
}
