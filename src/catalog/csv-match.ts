// A crossmatch of a large CSV file against an index of a smaller set of
// positions, without holding the file: every block the reader threads take
// (csv-blocks.ts) is matched as soon as it is read, and only the pairs come
// back, with the positions and ids of the file rows that matched. The file
// is never built into columns nor indexed, so memory stays at a few blocks
// whatever its size (fresh memory is expensive: page faults cost as much as
// the parsing on the VMs measured here).
//
// The pairs are the engine's, in the engine's order: unit vectors come from
// the same formula on both sides, so the chord between a file row and an
// index row is the same whichever of the two is indexed; pairs are grouped by
// index row and ordered by chord, then by file row, as SkyIndex.crossmatch
// orders them by probe, chord, catalog row.

import { vectorInto } from '../match/probes.js';
import type { Matches } from '../match/matches.js';
import type { SkyIndex } from '../match/sky-index.js';
import { arcsecFromChord2 } from '../sky/vector.js';
import { blockBadRows, runBlocks, type ReadPlan } from './csv-blocks.js';
import { badRowsError } from './csv-errors.js';
import type { HeaderOptions } from './csv-header.js';
import type { MatchJob } from './csv-jobs.js';
import { CellMask } from './cell-mask.js';
import { BytesBuilder } from './csv-columns.js';
import { TextColumn } from './text.js';

export interface FileMatches {
  /** probe: the index row; row: a pair number, for fileId; grouped by index row in the engine's order. */
  matches: Matches;
  /** The id of the file row of pair `row` (matches.row[i]), exactly as read. */
  fileId(pair: number): string;
  /** Good rows in the file. */
  rows: number;
}

/** The index's buffer in shared memory: every thread opens it without a copy. */
function shared(index: SkyIndex): SharedArrayBuffer {
  const src = new Uint8Array(index.buffer as ArrayBuffer);
  const sab = new SharedArrayBuffer(src.byteLength);
  new Uint8Array(sab).set(src);
  return sab;
}

/**
 * Every pair within radiusArcsec between the rows of a plain CSV file and an
 * index (built with row ids) of the positions indexRa/indexDec; 'best' keeps
 * the nearest file row of each index row. The index may still be building:
 * the reader threads start meanwhile. Null when the file must be read on one
 * thread (a cut inside a quoted field): the caller then reads it whole.
 */
export async function crossmatchCsvFile(
  file: string, opts: HeaderOptions & { onProgress?: (rows: number, bytes: number) => void }, plan: ReadPlan,
  indexing: Promise<{ index: SkyIndex; ra: Float64Array; dec: Float64Array }>, radiusArcsec: number, mode: 'all' | 'best',
): Promise<FileMatches | null> {
  const job: Promise<MatchJob> = indexing.then(({ index, ra, dec }) => ({
    index: shared(index), mask: CellMask.around(ra, dec, radiusArcsec)?.buffer ?? null, radiusArcsec,
  }));
  const read = await runBlocks(file, opts, plan, 'match', job);
  if (!read) return null;
  const bad = blockBadRows(read);
  if (read.layout.failFast && bad.length > 0) throw badRowsError(file, bad, read.layout.maxErrors, bad.length >= read.layout.maxErrors);
  const { ra: iRa, dec: iDec } = await indexing;

  // Every pair with its file row number (over the whole file) and its chord.
  let n = 0, rows = 0;
  for (const b of read.blocks) n += b.pairs!.indexRow.length;
  const indexRow = new Uint32Array(n), fileRow = new Float64Array(n), chord2 = new Float64Array(n);
  const ids: TextColumn[] = [];
  const u = new Float64Array(3), v = new Float64Array(3);
  let at = 0;
  for (const b of read.blocks) {
    const p = b.pairs!;
    for (let i = 0; i < p.indexRow.length; i++, at++) {
      const s = p.indexRow[i];
      indexRow[at] = s;
      fileRow[at] = rows + p.blockRow[i];
      // The engine's chord: the indexed row's vector minus the probe's, both from vectorInto.
      vectorInto(p.ra[i], p.dec[i], u);
      vectorInto(iRa[s], iDec[s], v);
      const dx = u[0] - v[0], dy = u[1] - v[1], dz = u[2] - v[2];
      chord2[at] = dx * dx + dy * dy + dz * dz;
    }
    ids.push(new TextColumn(p.idOffsets, p.idData));
    rows += b.rows;
  }
  const order = engineOrder(indexRow, chord2, fileRow, iRa.length);
  const keep = mode === 'best' ? firstOfEachGroup(order, indexRow) : order;
  const m = keep.length;
  const matches: Matches = { probe: new Uint32Array(m), row: new Uint32Array(m), sepArcsec: new Float64Array(m), length: m };
  for (let k = 0; k < m; k++) {
    const i = keep[k];
    matches.probe[k] = indexRow[i];
    matches.row[k] = i;
    matches.sepArcsec[k] = arcsecFromChord2(chord2[i]);
  }
  const allIds = BytesBuilder.join(ids.map((t) => ({ offsets: t.offsets, data: t.data, nonAscii: true }))).finish();
  return { matches, fileId: (pair) => allIds.get(pair), rows };
}

/** Pair numbers grouped by index row, each group by chord then file row. */
function engineOrder(group: Uint32Array, chord2: Float64Array, fileRow: Float64Array, groups: number): Uint32Array {
  const n = group.length;
  const start = new Uint32Array(groups + 1);
  for (let i = 0; i < n; i++) start[group[i] + 1]++;
  for (let g = 0; g < groups; g++) start[g + 1] += start[g];
  const fill = start.slice(0, groups);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[fill[group[i]]++] = i;
  for (let g = 0; g < groups; g++) {
    const s = start[g], e = start[g + 1];
    if (e - s > 1) {
      const part = Array.from(order.subarray(s, e)).sort((a, b) => chord2[a] - chord2[b] || fileRow[a] - fileRow[b]);
      order.set(part, s);
    }
  }
  return order;
}

function firstOfEachGroup(order: Uint32Array, group: Uint32Array): Uint32Array {
  const out: number[] = [];
  for (let k = 0; k < order.length; k++) if (k === 0 || group[order[k]] !== group[order[k - 1]]) out.push(order[k]);
  return Uint32Array.from(out);
}
