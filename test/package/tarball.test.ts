// skyjoin as another project gets it: `npm pack`, then an `npm init -y`
// project (CommonJS) installs the tarball with no C compiler (CC/CXX=false),
// and uses it through require(), import, and TypeScript (NodeNext) in both
// module formats, the compiled TypeScript run as well. Offline: the scratch
// project's lockfile pins skyjoin's dependencies to this clone's locked
// versions, which `npm ci` put in npm's cache.
//
// ~30-40 s on the shared 2-core machine: `npm pack` compiles (tsc, ~15 s),
// `npm ci` of ~100 packages ~7 s, tsc on the consumer ~3 s.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ang2pixNest } from '../../src/healpix/api.js';
import { htmIndexRaDec } from '../../src/htm/lookup.js';
import { tempDir } from '../support/tmp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = tempDir('skyjoin-pack-');
const PROJ = path.join(tmp.dir, 'proj');
afterAll(() => tmp.cleanup());

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const TGZ = `skyjoin-${pkg.version}.tgz`;

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  expect(r.status, `${what}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

type LockEntry = { version?: string; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; dev?: boolean; devOptional?: boolean; [k: string]: unknown };

/**
 * The lock entries a project needs for the given packages: the closure over
 * dependencies, each resolved as Node would (nested first, then up the tree).
 */
function closure(lock: Record<string, LockEntry>, roots: string[]): Map<string, LockEntry> {
  const out = new Map<string, LockEntry>();
  const resolve = (from: string, name: string): string => {
    for (let at = from; ; at = at.slice(0, Math.max(0, at.lastIndexOf('/node_modules/')))) {
      const p = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
      if (lock[p]) return p;
      if (!at) throw new Error(`${name} (needed by ${from || 'the project'}) is not in package-lock.json`);
    }
  };
  const visit = (p: string) => {
    if (out.has(p)) return;
    const { dev: _d, devOptional: _o, ...e } = lock[p];
    out.set(p, e);
    for (const name of Object.keys({ ...e.dependencies, ...e.optionalDependencies })) {
      try {
        visit(resolve(p, name));
      } catch (err) {
        // Optional dependencies of other platforms are not in the lock.
        if (!e.optionalDependencies?.[name]) throw err;
      }
    }
  };
  for (const r of roots) visit(resolve('', r));
  return out;
}

let install = '';

beforeAll(() => {
  ok(run('npm', ['pack', '--pack-destination', tmp.dir], ROOT), 'npm pack');
  mkdirSync(PROJ);
  ok(run('npm', ['init', '-y'], PROJ), 'npm init -y');
  const project = JSON.parse(readFileSync(path.join(PROJ, 'package.json'), 'utf8'));
  expect(project.type ?? 'commonjs').toBe('commonjs');

  // The lockfile `npm install ./skyjoin.tgz typescript @types/node` would write
  // against this clone's locked versions.
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<string, LockEntry>;
  const tools = { typescript: lock['node_modules/typescript'].version!, '@types/node': lock['node_modules/@types/node'].version! };
  const deps = closure(lock, Object.keys(pkg.dependencies));
  const devs = closure(lock, Object.keys(tools));
  const spec = `file:../${TGZ}`;
  project.dependencies = { skyjoin: spec };
  project.devDependencies = tools;
  writeFileSync(path.join(PROJ, 'package.json'), JSON.stringify(project, null, 2));
  const packages: Record<string, unknown> = {
    '': { name: project.name, version: project.version, license: project.license, dependencies: project.dependencies, devDependencies: tools },
    'node_modules/skyjoin': {
      version: pkg.version, resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(path.join(tmp.dir, TGZ))).digest('base64')}`,
      hasInstallScript: true, license: pkg.license, dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [p, e] of deps) packages[p] = e;
  for (const [p, e] of devs) if (!deps.has(p)) packages[p] = { ...e, dev: true };
  writeFileSync(path.join(PROJ, 'package-lock.json'), JSON.stringify({ name: project.name, version: project.version, lockfileVersion: 3, requires: true, packages }, null, 2));

  // No compiler: the addon cannot build, the install must still succeed.
  const r = run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'], PROJ, { CC: 'false', CXX: 'false' });
  install = `${r.stdout}${r.stderr}`;
  ok(r, 'npm ci of the packed skyjoin, CC=false CXX=false');
}, 300_000);

describe('the packed tarball in a fresh CommonJS project', () => {
  it('installs without a C compiler, says once why catalogs are not mapped, and warns of no engine', () => {
    expect(install).toMatch(/skyjoin: the optional mmap addon was not built \(no working C compiler\); catalogs will be read into memory/);
    expect(install).not.toMatch(/EBADENGINE/);
    expect(existsSync(path.join(PROJ, 'node_modules/skyjoin/build/Release/skyjoin_mmap.node'))).toBe(false);
  });

  it('require() gets the CommonJS build; it works, and reads catalogs into memory with one warning', () => {
    const script = `
      const s = require('skyjoin');
      const path = require('node:path'), os = require('node:os'), fs = require('node:fs');
      (async () => {
        const ra = Float64Array.of(10, 10.0001, 359.99995, 0.00005), dec = Float64Array.of(20, 20, -1, -1);
        const index = s.SkyIndex.build(ra, dec, 'zones');
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sj-'));
        const ids = { name: 'id', type: 'utf8', values: ['a', 'b', 'wrap-1', 'wrap-2'] };
        for (const f of ['one.arrow', 'two.arrow']) await s.writeArrowCatalog(path.join(dir, f), { name: 't', ids, ra, dec, scheme: 'healpix' });
        const cones = ['one.arrow', 'two.arrow'].map((f) => {
          const c = s.ArrowCatalog.open(path.join(dir, f));
          return Array.from(c.index.cone(0, -1, 1)).map((r) => c.id(r)).sort();
        });
        fs.rmSync(dir, { recursive: true });
        console.log(JSON.stringify({
          resolved: path.relative(process.cwd(), require.resolve('skyjoin')),
          cone: Array.from(index.cone(10, 20, 1)).sort(), cones,
          pix: s.healpix.ang2pixNest(10, 10, 20), htm: s.htm.htmIndexRaDec(12, 10, 20),
        }));
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const r = run(process.execPath, ['-e', script], PROJ);
    const out = JSON.parse(ok(r, 'require'));
    expect(out).toEqual({
      resolved: path.join('node_modules', 'skyjoin', 'dist', 'cjs', 'index.js'),
      cone: [0, 1], cones: [['wrap-1', 'wrap-2'], ['wrap-1', 'wrap-2']],
      pix: ang2pixNest(10, 10, 20), htm: htmIndexRaDec(12, 10, 20),
    });
    const warnings = r.stderr.split('\n').filter((l) => /Warning/.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/\[SKYJOIN_NO_MMAP\] SkyjoinWarning: the mmap addon is not built .*catalogs are read into memory/);
  });

  it('import gets the ESM build; ESM and CommonJS copies in one process accept each other\'s text columns', () => {
    const script = `
      import { createRequire } from 'node:module';
      import { SkyIndex, TextColumn, healpix } from 'skyjoin';
      const cjs = createRequire(import.meta.url)('skyjoin');
      const col = TextColumn.fromStrings(['x', 'y']);
      console.log(JSON.stringify({
        resolved: import.meta.resolve('skyjoin').split('/node_modules/')[1],
        twoCopies: cjs.SkyIndex !== SkyIndex,
        crossInstance: col instanceof cjs.TextColumn && cjs.TextColumn.fromStrings(['z']) instanceof TextColumn,
        notText: ({ offsets: 1, data: 2 }) instanceof TextColumn,
        cone: Array.from(SkyIndex.build(Float64Array.of(1, 2), Float64Array.of(3, 4), 'htm').cone(2, 4, 0)),
        pix: healpix.ang2pixNest(10, 10, 20),
      }));`;
    const out = JSON.parse(ok(run(process.execPath, ['--input-type=module', '-e', script], PROJ), 'import'));
    expect(out).toEqual({ resolved: 'skyjoin/dist/src/index.js', twoCopies: true, crossInstance: true, notText: false, cone: [1], pix: ang2pixNest(10, 10, 20) });
  });

  it('TypeScript with NodeNext type-checks a CommonJS and an ESM file against the right declarations, and the compiled CommonJS runs', () => {
    const options = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, outDir: 'out', types: ['node'] };
    // The CommonJS declarations are checked in full; the ESM file skips the
    // libraries' own (as \`tsc --init\` does): lmdb's ESM index.d.ts has an
    // \`export =\` that TypeScript refuses in ESM.
    writeFileSync(path.join(PROJ, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...options, skipLibCheck: false }, files: ['main.ts'] }));
    writeFileSync(path.join(PROJ, 'tsconfig.esm.json'), JSON.stringify({ compilerOptions: { ...options, skipLibCheck: true, noEmit: true }, files: ['esm.mts'] }));
    writeFileSync(path.join(PROJ, 'main.ts'), `
      import { SkyIndex, healpix, htm, type Matches, type IndexScheme } from 'skyjoin';
      const ra = Float64Array.of(10, 10.0001), dec = Float64Array.of(20, 20);
      const index = SkyIndex.build(ra, dec, 'rowcol');
      const scheme: IndexScheme = index.scheme;
      const m: Matches = index.crossmatch(Float64Array.of(10), Float64Array.of(20), { radiusArcsec: 1 });
      // Never called: only the types are checked (the check fails if they are missing or 'any').
      // @ts-expect-error radiusArcsec is required
      export const wrong = () => index.crossmatch(ra, dec, {});
      // @ts-expect-error ang2pixNest lives under healpix., not at the top
      type NotAtTop = (typeof import('skyjoin'))['ang2pixNest'];
      const pix: number = healpix.ang2pixNest(10, 10, 20);
      const trixel: number = htm.htmIndexRaDec(12, 10, 20);
      console.log(JSON.stringify({ kind: scheme.kind, pairs: m.length, pix, trixel, cjs: typeof require === 'function' }));
    `);
    writeFileSync(path.join(PROJ, 'esm.mts'), `
      import { SkyIndex } from 'skyjoin';
      export const rows: Uint32Array = SkyIndex.build(Float64Array.of(1), Float64Array.of(2), 'zones').cone(1, 2, 0);
    `);
    const tsc = path.join(PROJ, 'node_modules/typescript/bin/tsc');
    ok(run(process.execPath, [tsc, '-p', 'tsconfig.json'], PROJ), 'tsc (CommonJS)');
    ok(run(process.execPath, [tsc, '-p', 'tsconfig.esm.json'], PROJ), 'tsc (ESM)');
    const compiled = readFileSync(path.join(PROJ, 'out/main.js'), 'utf8');
    expect(compiled).toMatch(/require\("skyjoin"\)/);
    const out = JSON.parse(ok(run(process.execPath, ['out/main.js'], PROJ), 'node out/main.js'));
    expect(out).toEqual({ kind: 'rowcol', pairs: 2, pix: ang2pixNest(10, 10, 20), trixel: htmIndexRaDec(12, 10, 20), cjs: true });
  });
});
