// npm's install step for skyjoin: builds the optional mmap addon
// (native/mmap.c) with node-gyp. The addon is an optimisation, not a
// requirement: where the build cannot run (no C compiler, no Node headers,
// no network to fetch them), the install still succeeds, skyjoin reads
// catalogs into memory instead of mapping them, and says so once when a
// catalog is opened. `npm rebuild skyjoin` builds it later.
//
// SKYJOIN_SKIP_ADDON=1 skips the build (CI images, containers without a compiler).

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => process.stderr.write(`skyjoin: ${line}\n`);

if (process.env.SKYJOIN_SKIP_ADDON) {
  say('SKYJOIN_SKIP_ADDON is set: the mmap addon is not built; catalogs will be read into memory');
  process.exit(0);
}

// npm hands its own node-gyp to install scripts (npm_config_node_gyp); other
// package managers put one on PATH.
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (r.status === 0) process.exit(0);

// One line saying why, the whole output kept for whoever wants to fix it.
const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
const why = r.error
  ? `${cmd}: ${r.error.message}`
  : /compiler predefines|\b(cc|gcc|g\+\+|c\+\+|make): (command )?not found/.test(out)
    ? 'no working C compiler'
    : /network connectivity|ENOTFOUND|EAI_AGAIN|ECONNREFUSED/.test(out)
      ? "Node's headers are not installed and cannot be downloaded"
      : /gyp ERR! stack Error: (.*)/.exec(out)?.[1] ?? out.trim().split('\n').pop() ?? `exit ${r.status}`;
let log = '';
try {
  mkdirSync(path.join(root, 'build'), { recursive: true });
  log = path.join(root, 'build', 'addon-build.log');
  writeFileSync(log, out);
} catch {
  log = '';
}
say(`the optional mmap addon was not built (${why.slice(0, 200)}); catalogs will be read into memory instead of memory-mapped.`
  + ` With a C compiler, \`npm rebuild skyjoin\` builds it${log ? ` (node-gyp's output: ${log})` : ''}.`);
process.exit(0);
