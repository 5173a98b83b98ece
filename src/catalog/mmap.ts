// Read-only shared memory maps of file regions, through skyjoin's own small
// N-API addon (native/mmap.c, built by node-gyp at install when a C compiler
// is there: native/install.mjs): 64-bit offsets, so catalog files can pass the
// 2 GiB that npm's mmap addons allow. Without the addon (no compiler at
// install), or with SKYJOIN_NO_MMAP=1, regions are read into memory instead,
// with one warning per process: correct, but neither lazy nor shared.

import { existsSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Addon {
  map(fd: number, offset: number, length: number, random: boolean): ArrayBuffer;
  pageSize(): number;
}

/** SKYJOIN_NO_MMAP set to anything but '' or '0' turns mapping off. */
const NO_MMAP = !['', '0', undefined].includes(process.env.SKYJOIN_NO_MMAP);

/** The addon, or why there is none (a file that exists but does not load is reported, not skipped). */
function loadAddon(): { addon: Addon | null; why: string } {
  if (NO_MMAP) return { addon: null, why: 'SKYJOIN_NO_MMAP is set' };
  const require = createRequire(import.meta.url);
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From dist/src/catalog, dist/cjs/catalog (built) or src/catalog (tests, tsx).
  for (const up of ['../..', '../../..']) {
    for (const kind of ['Release', 'Debug']) {
      const file = path.resolve(here, up, 'build', kind, 'skyjoin_mmap.node');
      if (!existsSync(file)) continue;
      try {
        return { addon: require(file) as Addon, why: '' };
      } catch (err) {
        return { addon: null, why: `the mmap addon ${file} does not load (${(err as Error).message.split('\n')[0]})` };
      }
    }
  }
  return { addon: null, why: 'the mmap addon is not built (`npm rebuild skyjoin` builds it where a C compiler is installed)' };
}

const { addon, why } = loadAddon();

// Shared by every copy of this module in the process (the ESM and the CommonJS
// builds can both be loaded), so the fallback is announced once.
const WARNED = Symbol.for('skyjoin.mmap.fallback-warned');

/** Whether catalogs are really memory-mapped (the addon is built). */
export const MAPPED = addon !== null;

export const PAGE_SIZE = addon ? addon.pageSize() : 4096;

/** Bytes [pos, pos + len) of an open file as a read-only view (mapped, or read without the addon). */
export function mapRegion(fd: number, pos: number, len: number, random = true): Uint8Array {
  if (len === 0) return new Uint8Array(0);
  if (!addon) {
    const g = globalThis as { [WARNED]?: boolean };
    if (!g[WARNED]) {
      g[WARNED] = true;
      process.emitWarning(`${why}: catalogs are read into memory, not memory-mapped`, { type: 'SkyjoinWarning', code: 'SKYJOIN_NO_MMAP' });
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
