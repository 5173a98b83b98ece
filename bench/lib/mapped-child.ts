// Child process for the memory benchmarks: opens a catalog, reports its
// resident memory after each step as JSON lines on stdout.
//   mode 'open': open and exit (open time in a fresh process)
//   mode 'rss': open, 1000 cones, then a full crossmatch
//   mode 'share': open, touch every column, report, wait for stdin to close

import { readFileSync } from 'node:fs';
import { ArrowCatalog } from '../../src/catalog/arrow-catalog.js';
import { uniformSky } from '../../src/sky/random.js';

function smaps(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) / 1024;
  }
  return out;
}

const [file, mode] = process.argv.slice(2);
const say = (step: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ step, ...smaps(), ...extra })}\n`);

say('before open');
const t = performance.now();
const cat = ArrowCatalog.open(file);
say('opened', { openMs: performance.now() - t, rows: cat.length });
if (mode === 'open') {
  process.exit(0);
} else if (mode === 'rss') {
  const q = uniformSky(1000, 5);
  let n = 0;
  for (let i = 0; i < q.ra.length; i++) n += cat.index.cone(q.ra[i], q.dec[i], 2).length;
  say('1000 cones', { hits: n });
  const p = uniformSky(1_000_000, 6);
  n = cat.index.crossmatch(p.ra, p.dec, { radiusArcsec: 2 }).length;
  say('crossmatch 1e6', { hits: n });
} else {
  let s = 0;
  for (const v of [cat.index.keys, cat.index.x, cat.index.y, cat.index.z, cat.ra, cat.dec]) for (let i = 0; i < v.length; i += 512) s += v[i];
  say('touched', { checksum: s });
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}
