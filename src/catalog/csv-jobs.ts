// What a thread does with the blocks of a CSV file it takes (csv-blocks.ts):
// keep their columns (sent back whole), or crossmatch their rows against an
// index of the other file and send back only the pairs, with the positions
// and ids of the rows that matched. The index may arrive after the first
// blocks are read (it is built meanwhile): those blocks wait, parsed, and are
// matched when it comes. The same code runs on the calling thread and in workers.

import { SkyIndex } from '../match/sky-index.js';
import { CellMask } from './cell-mask.js';
import type { BadRow } from './csv-errors.js';
import { RowReader, type RowLayout, type RowParts } from './csv-rows.js';
import { scanFileRange, type RangeScan } from './csv-stream.js';

/**
 * index: a SkyIndex's buffer in shared memory, so every thread opens it
 * without a copy; mask: the cells near its rows (cell-mask.ts), to drop the
 * rows that cannot match before the crossmatch.
 */
export interface MatchJob {
  index: SharedArrayBuffer;
  mask: SharedArrayBuffer | null;
  radiusArcsec: number;
}

/** The pairs of one block: index row (of the other file), block row, and the block row's position and id. */
export interface BlockPairs {
  indexRow: Uint32Array;
  blockRow: Uint32Array;
  ra: Float64Array;
  dec: Float64Array;
  idOffsets: Int32Array;
  idData: Uint8Array;
}

export interface BlockResult extends RangeScan {
  /** Good rows in the block. */
  rows: number;
  /** Lines numbered from 1 at the block's start. */
  bad: BadRow[];
  columns?: RowParts;
  pairs?: BlockPairs;
}

export interface Done {
  block: number;
  result: BlockResult;
  transfer: ArrayBuffer[];
}

export type JobKind = 'columns' | 'match';

export class BlockJobs {
  private match: { index: SkyIndex; mask: CellMask | null; radiusArcsec: number } | null = null;
  /** Rows kept by the mask, and their positions: scratch reused from block to block. */
  private kept = new Uint32Array(0);
  private keptRa = new Float64Array(0);
  private keptDec = new Float64Array(0);
  private waiting: Array<{ block: number; reader: RowReader; scan: RangeScan }> = [];
  /** A reader whose block is done, kept for the next one: fresh memory costs page faults. */
  private spare: RowReader | null = null;

  constructor(
    private readonly kind: JobKind, private readonly file: string, private readonly cuts: number[],
    private readonly size: number, private readonly layout: RowLayout,
  ) {}

  get hasJob(): boolean {
    return this.kind === 'columns' || this.match !== null;
  }

  /** The index to match against (match jobs); the blocks read before it are matched by the next done(). */
  setMatch(job: MatchJob): void {
    this.match = { index: SkyIndex.open(job.index), mask: job.mask ? CellMask.open(job.mask) : null, radiusArcsec: job.radiusArcsec };
  }

  /** Reads block k; its result comes out of done(), at once or once the index is set. */
  read(k: number): void {
    const start = this.cuts[k], end = k + 1 < this.cuts.length ? this.cuts[k + 1] : this.size;
    let reader: RowReader;
    if (this.kind === 'match' && this.spare) {
      reader = this.spare;
      this.spare = null;
      reader.reset();
    } else {
      reader = new RowReader(this.layout, end - start);
    }
    this.waiting.push({ block: k, reader, scan: scanFileRange(this.file, start, end, reader) });
  }

  /** The results that can be sent now. */
  done(): Done[] {
    if (!this.hasJob) return [];
    const out = this.waiting.map(({ block, reader, scan }) => ({ block, ...this.finish(reader, scan) }));
    if (this.kind === 'match' && this.waiting.length > 0) this.spare = this.waiting[this.waiting.length - 1].reader;
    this.waiting = [];
    return out;
  }

  private finish(reader: RowReader, scan: RangeScan): { result: BlockResult; transfer: ArrayBuffer[] } {
    if (this.kind === 'columns') {
      const columns = reader.parts();
      const transfer = [columns.idOffsets.buffer, columns.idData.buffer, columns.ra.buffer, columns.dec.buffer,
        ...columns.kept.flatMap((c) => [c.offsets.buffer, c.data.buffer, c.valid.buffer, ...(c.nums ? [c.nums.buffer] : [])])] as ArrayBuffer[];
      return { result: { ...scan, rows: columns.rows, bad: columns.bad, columns }, transfer };
    }
    const pairs = this.matchRows(reader);
    const transfer = [pairs.indexRow.buffer, pairs.blockRow.buffer, pairs.ra.buffer, pairs.dec.buffer, pairs.idOffsets.buffer, pairs.idData.buffer] as ArrayBuffer[];
    return { result: { ...scan, rows: reader.rows, bad: reader.bad, pairs }, transfer };
  }

  /** The block's pairs: the rows the mask keeps, crossmatched against the index. */
  private matchRows(reader: RowReader): BlockPairs {
    const { index, mask, radiusArcsec } = this.match!;
    const ra = reader.ra.view(), dec = reader.dec.view();
    const n = ra.length;
    let rows: Uint32Array | null = null, pRa = ra, pDec = dec;
    if (mask) {
      if (this.kept.length < n) {
        this.kept = new Uint32Array(n);
        this.keptRa = new Float64Array(n);
        this.keptDec = new Float64Array(n);
      }
      let k = 0;
      for (let i = 0; i < n; i++) {
        if (!mask.has(ra[i], dec[i])) continue;
        this.kept[k] = i;
        this.keptRa[k] = ra[i];
        this.keptDec[k] = dec[i];
        k++;
      }
      rows = this.kept;
      pRa = this.keptRa.subarray(0, k);
      pDec = this.keptDec.subarray(0, k);
    }
    const m = index.crossmatch(pRa, pDec, { radiusArcsec, mode: 'all' });
    const len = m.length;
    const { data, offsets } = reader.ids.view();
    const blockRow = rows ? Uint32Array.from(m.probe, (p) => rows![p]) : m.probe.slice();
    let bytes = 0;
    for (let i = 0; i < len; i++) bytes += offsets[blockRow[i] + 1] - offsets[blockRow[i]];
    const out: BlockPairs = {
      indexRow: m.row.slice(), blockRow, ra: new Float64Array(len), dec: new Float64Array(len),
      idOffsets: new Int32Array(len + 1), idData: new Uint8Array(bytes),
    };
    let b = 0;
    for (let i = 0; i < len; i++) {
      const r = blockRow[i];
      out.ra[i] = ra[r];
      out.dec[i] = dec[r];
      out.idData.set(data.subarray(offsets[r], offsets[r + 1]), b);
      b += offsets[r + 1] - offsets[r];
      out.idOffsets[i + 1] = b;
    }
    return out;
  }
}
