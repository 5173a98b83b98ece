// Runs the benchmark suites: `npm run bench` (all) or `npm run bench -- core zone-height`.
// Results land in bench/results/<suite>.json and .md.

import { runCatalog } from './catalog.bench.js';
import { runCli } from './cli.bench.js';
import { runCore } from './core.bench.js';
import { runDecode } from './decode.bench.js';
import { runFilters } from './filters.bench.js';
import { runIngest } from './ingest.bench.js';
import { runNotify } from './notify.bench.js';
import { runService } from './service.bench.js';
import { runStream } from './stream.bench.js';
import { runZoneHeight } from './zone-height.bench.js';

const SUITES: Record<string, () => Promise<unknown>> = {
  core: () => runCore(),
  'zone-height': () => runZoneHeight(),
  catalog: () => runCatalog(),
  cli: () => runCli(),
  service: () => runService(),
  ingest: () => runIngest(),
  decode: () => runDecode(),
  stream: () => runStream(),
  filters: () => runFilters(),
  notify: () => runNotify(),
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(SUITES);
for (const name of names) {
  const run = SUITES[name];
  if (!run) {
    console.error(`unknown suite '${name}'; suites: ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n=== ${name} ===`);
  await run();
}
