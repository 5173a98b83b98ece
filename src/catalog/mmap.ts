// Read-only shared memory maps of file regions, through skyjoin's own small
// N-API addon (native/mmap.c, built by node-gyp at install): 64-bit offsets,
// so catalog files can pass the 2 GiB that npm's mmap addons allow. Without
// the addon (no compiler at install), regions are read into memory instead,
// with a warning: correct, but neither lazy nor shared.

import { readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Addon {
  map(fd: number, offset: number, length: number, random: boolean): ArrayBuffer;
  pageSize(): number;
}

function loadAddon(): Addon | null {
  const require = createRequire(import.meta.url);
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    for (const kind of ['Release', 'Debug']) {
      try {
        return require(path.resolve(here, up, 'build', kind, 'skyjoin_mmap.node')) as Addon;
      } catch {
        // try the next place
      }
    }
  }
  return null;
}

const addon = loadAddon();
let warned = false;

/** Whether catalogs are really memory-mapped (the addon is built). */
export const MAPPED = addon !== null;

export const PAGE_SIZE = addon ? addon.pageSize() : 4096;

/** Bytes [pos, pos + len) of an open file as a read-only view (mapped, or read without the addon). */
export function mapRegion(fd: number, pos: number, len: number, random = true): Uint8Array {
  if (len === 0) return new Uint8Array(0);
  if (!addon) {
    if (!warned) {
      warned = true;
      process.emitWarning('skyjoin: the mmap addon is not built (npm rebuild skyjoin needs a C compiler); catalogs are read into memory');
    }
    const b = new Uint8Array(len);
    let got = 0;
    while (got < len) {
      const n = readSync(fd, b, got, len - got, pos + got);
      if (n === 0) throw new RangeError('unexpected end of file');
      got += n;
    }
    return b;
  }
  const start = Math.floor(pos / PAGE_SIZE) * PAGE_SIZE;
  const ab = addon.map(fd, start, len + (pos - start), random);
  return new Uint8Array(ab, pos - start, len);
}
