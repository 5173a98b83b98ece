#!/usr/bin/env node
// The skyjoin command line. The TypeScript sources are compiled to dist/ by
// `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('skyjoin: not built yet: run `npm run build` in the skyjoin folder\n');
  process.exit(2);
}
const { main: run } = await import(main);
process.exitCode = await run(process.argv.slice(2));
