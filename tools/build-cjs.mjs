// The CommonJS build, for require('skyjoin'): tsc's ESM output (dist/src) is
// converted file by file to CommonJS in dist/cjs, so the two builds run the
// same compiled code and keep the same layout (a `new URL('./x.js',
// import.meta.url)` still finds its file). dist/cjs/package.json says
// "type": "commonjs", which makes its .js files CommonJS for Node and its .d.ts
// files CommonJS declarations for TypeScript (the `require` condition's types).
//
// import.meta.url has no CommonJS twin: each file gets it from __filename.
// Run by `npm run build` after tsc.

import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const from = path.join(root, 'dist', 'src');
const to = path.join(root, 'dist', 'cjs');

const files = readdirSync(from, { recursive: true }).map(String);
const js = files.filter((f) => f.endsWith('.js')).map((f) => path.join(from, f));
const dts = files.filter((f) => f.endsWith('.d.ts'));
if (!js.includes(path.join(from, 'index.js'))) {
  process.stderr.write(`build-cjs: ${from}/index.js is missing: run tsc first (npm run build)\n`);
  process.exit(1);
}

rmSync(to, { recursive: true, force: true });
const META_URL = '__skyjoin_import_meta_url';
const result = await build({
  entryPoints: js,
  outdir: to,
  outbase: from,
  bundle: false,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: { 'import.meta.url': META_URL },
  banner: { js: `const ${META_URL} = require('node:url').pathToFileURL(__filename).href;` },
  logLevel: 'silent',
});
// A warning here (import.meta.dirname, top-level await, ...) would be a
// CommonJS build that does not do what the ESM one does: refuse it.
const problems = [...result.errors, ...result.warnings];
if (problems.length) {
  for (const p of problems) process.stderr.write(`build-cjs: ${p.location ? `${p.location.file}:${p.location.line}: ` : ''}${p.text}\n`);
  process.exit(1);
}
for (const f of dts) {
  mkdirSync(path.dirname(path.join(to, f)), { recursive: true });
  copyFileSync(path.join(from, f), path.join(to, f));
}
writeFileSync(path.join(to, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
process.stdout.write(`build-cjs: ${js.length} modules and ${dts.length} declaration files in ${path.relative(root, to)}\n`);
