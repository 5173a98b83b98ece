// Readers for the HEALPix / HTM reference vectors in ../shared/data/vectors.

import { readFileSync } from 'node:fs';
import path from 'node:path';

export const SHARED_DATA = path.resolve(process.env.SKYJOIN_SHARED_DATA ?? path.join(process.cwd(), '..', 'shared', 'data'));
export const VECTORS = path.join(SHARED_DATA, 'vectors');

export function readCsv(file: string): Array<Record<string, string>> {
  const text = readFileSync(path.isAbsolute(file) ? file : path.join(VECTORS, file), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const head = lines[0].split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    const o: Record<string, string> = {};
    head.forEach((h, i) => (o[h] = cells[i] ?? ''));
    return o;
  });
}

/** 'a-b;c' -> [[a, b], [c, c]] as inclusive bigint pairs. */
export function parseRanges(s: string): Array<[bigint, bigint]> {
  if (!s) return [];
  return s.split(';').map((part) => {
    const [a, b] = part.split('-');
    return [BigInt(a), BigInt(b ?? a)];
  });
}

export function rangesToSet(ranges: Array<[bigint, bigint]>, limit = 5_000_000): Set<bigint> {
  const out = new Set<bigint>();
  for (const [a, b] of ranges) {
    for (let p = a; p <= b; p++) {
      out.add(p);
      if (out.size > limit) throw new Error('set too large');
    }
  }
  return out;
}
