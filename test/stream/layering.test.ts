// Layers point down: nothing in src/stream imports src/service, and the
// stream does not load Fastify (the watch stage opens the service's store
// through src/watch/open.ts, not through the service).

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const STREAM = path.join(ROOT, 'src', 'stream');
const SERVICE = path.join(ROOT, 'src', 'service');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (f.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier of a file: static imports and re-exports, and import('...') calls. */
function specifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of source.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

describe('src/stream layering', () => {
  const files = tsFiles(STREAM);

  it('finds the imports it checks (the scan itself works)', () => {
    expect(files.length).toBeGreaterThan(30);
    const pipeline = specifiers(readFileSync(path.join(STREAM, 'pipeline.ts'), 'utf8'));
    expect(pipeline).toContain('./stages/objects.js');
    expect(specifiers(`import { a } from '../service/app.js';\nconst m = await import('../../service/app.js');`)).toEqual(['../service/app.js', '../../service/app.js']);
  });

  it('imports nothing from src/service, and neither Fastify', () => {
    const bad: string[] = [];
    for (const f of files) {
      for (const s of specifiers(readFileSync(f, 'utf8'))) {
        const intoService = s.startsWith('.') && path.resolve(path.dirname(f), s).startsWith(SERVICE + path.sep);
        if (intoService || /^(fastify|@fastify\/)/.test(s)) bad.push(`${path.relative(ROOT, f)}: ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('loads no Fastify module: every src/stream module, and a real run with annotation, watch lists, users\' filters and notifications', () => {
    const trace = path.join(tmp.dir, 'modules.txt');
    const script = path.join(tmp.dir, 'load-all.mjs');
    const urls = files.map((f) => pathToFileURL(f).href);
    writeFileSync(script, `
      for (const u of ${JSON.stringify(urls)}) await import(u);
      const { runStream } = await import(${JSON.stringify(pathToFileURL(path.join(STREAM, 'run.ts')).href)});
      const { DirSink } = await import(${JSON.stringify(pathToFileURL(path.join(STREAM, 'sinks', 'dir.ts')).href)});
      const data = ${JSON.stringify(path.join(tmp.dir, 'data'))};
      const r = await runStream({ dataDir: data, sink: new DirSink(data + '/out'), source: { kind: 'file', path: ${JSON.stringify(path.join(SHARED_DATA, 'ztf', 'alerts', 'ampel_ZTF18abxhyqv'))} } });
      console.log(JSON.stringify({ received: r.totals.received, stages: Object.keys(r.stages) }));
    `);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', path.join(ROOT, 'test/support/module-trace.mjs'), script], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, SKYJOIN_MODULE_TRACE: trace }, timeout: 120_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout.trim().split('\n').pop()!) as { received: number; stages: string[] };
    expect(run.received).toBeGreaterThan(0);
    expect(run.stages).toEqual(['annotate', 'watch', 'filters', 'notify']);
    const mods = readFileSync(trace, 'utf8').split('\n').filter(Boolean);
    // The trace sees the stream's own modules and the heavy ones it does use.
    expect(mods.some((m) => m.endsWith('/src/stream/stages/watch.ts'))).toBe(true);
    expect(mods.some((m) => /node_modules\/lmdb\//.test(m))).toBe(true);
    expect(mods.filter((m) => /node_modules\/(fastify|@fastify)\//.test(m) || m.includes('/src/service/'))).toEqual([]);
  });
});
