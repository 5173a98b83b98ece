#!/usr/bin/env node
// The skyjoin command line. The TypeScript sources are compiled to dist/ by
// `npm install` (prepare) or `npm run build`. Exit codes: 0 success, 1 bad
// input or failure, 2 bad usage (see src/cli/main.ts).
import { existsSync, readFileSync } from 'node:fs';

const [first] = process.argv.slice(2);
if (first === '--version' || first === '-V') {
  // Answered here, before any other module loads: scripts call it often.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`skyjoin ${version}\n`);
} else {
  const main = new URL('../dist/src/cli/main.js', import.meta.url);
  if (!existsSync(main)) {
    process.stderr.write('skyjoin: not built yet: run `npm run build` in the skyjoin folder\n');
    process.exit(2);
  }
  const { run } = await import(main.href);
  await run(process.argv.slice(2));
}
