// The command line as a process: --help on every command and subcommand,
// --version, the bare usage, a reader that closes the pipe early, the
// catch-all for unexpected errors, and which modules a command loads (the
// start-up cost is the modules; never timed here).

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { describeError, reportError } from '../../src/cli/main.js';
import { BIN, ROOT, ensureBuilt, runBin } from '../support/bin.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 120_000);

const HELP = [
  ['xmatch'], ['pixel'], ['cover'], ['serve'], ['replay'],
  ['stream'], ['stream', 'status'],
  ['keys'], ['keys', 'create'], ['keys', 'list'],
  ['catalog'], ['catalog', 'build'], ['catalog', 'build-shipped'], ['catalog', 'info'], ['catalog', 'export'],
];

describe.concurrent('--help', () => {
  it.each(HELP)('skyjoin %s ... --help: usage on stdout, exit 0', async (...words) => {
    for (const flag of ['--help', '-h']) {
      const r = await runBin([...words.filter(Boolean), flag]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^usage: skyjoin ${words[0]}`));
    }
  });
  it('wins over other mistakes on the same line', async () => {
    const r = await runBin(['catalog', 'info', '--bogus', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: skyjoin catalog info FILE\.arrow/);
  });
});

describe.concurrent('version and usage', () => {
  const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  it('--version and -V print the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runBin([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`skyjoin ${version}\n`);
    }
  });
  it('no command: the usage on stderr, exit 2; --help: on stdout, exit 0; an unknown command: one line, exit 2', async () => {
    const bare = await runBin([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/^usage: skyjoin <command>/);
    expect(bare.stderr).toContain('Exit codes: 0 success, 1 bad input or failure, 2 bad usage.');
    const help = await runBin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(bare.stderr);
    const unknown = await runBin(['xmach']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("skyjoin: unknown command 'xmach' (see 'skyjoin --help')\n");
  });
});

describe('a reader that closes the pipe early', () => {
  it('ends the command quietly with exit 0 (skyjoin pixel ... | head -1, also with --out /dev/stdout)', async () => {
    const rows = ['id,ra,dec'];
    for (let i = 0; i < 200_000; i++) rows.push(`${i},${(i * 0.0017) % 360},${((i * 0.0009) % 180) - 90}`);
    const input = path.join(tmp.dir, 'many.csv');
    writeFileSync(input, `${rows.join('\n')}\n`);
    for (const args of [['pixel', '--scheme', 'healpix-nested', '--level', '12', '--in', input],
      ['cover', '--scheme', 'healpix-nested', '--level', '14', '--ra', '10', '--dec', '20', '--radius-arcsec', '36000']]) {
      const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '', got = 0;
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      // Like head: take the first chunk, then close our end.
      child.stdout.once('data', (d: Buffer) => { got = d.length; child.stdout.destroy(); });
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
      expect(got).toBeGreaterThan(0);
      expect(stderr).toBe('');
      expect([code, signal]).toEqual([0, null]);
    }
    // --out /dev/stdout on a shell pipe: written in place, and the same quiet end.
    const sh = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" pixel --scheme htm --level 12 --in "${input}" --out /dev/stdout | head -1; echo "exit \${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    expect(sh.stdout).toBe('id,pixel\n');
    expect(sh.stderr).toBe('exit 0\n');
  });
});

describe('unexpected errors', () => {
  it('are one line with a pointer to SKYJOIN_DEBUG; the stack only with SKYJOIN_DEBUG=1', () => {
    const err = new Error('boom\nsecond line');
    expect(describeError(err)).toEqual({ line: 'unexpected error: boom', code: 1, expected: false });
    let out = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => { out += String(c); return true; });
    const before = process.env.SKYJOIN_DEBUG;
    try {
      delete process.env.SKYJOIN_DEBUG;
      expect(reportError('skyjoin xmatch', err)).toBe(1);
      expect(out).toBe('skyjoin xmatch: unexpected error: boom (SKYJOIN_DEBUG=1 shows where)\n');
      out = '';
      process.env.SKYJOIN_DEBUG = '1';
      reportError('skyjoin xmatch', err);
      expect(out.split('\n')[0]).toBe('skyjoin xmatch: unexpected error: boom');
      expect(out).toContain('    at ');
    } finally {
      spy.mockRestore();
      if (before === undefined) delete process.env.SKYJOIN_DEBUG; else process.env.SKYJOIN_DEBUG = before;
    }
  });
  it('user mistakes and system errors are one line without the pointer', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/x/y'"), { code: 'ENOENT', syscall: 'open', path: '/x/y' });
    expect(describeError(enoent)).toEqual({ line: '/x/y: no such file or folder (ENOENT)', code: 1, expected: true });
    expect(describeError(new RangeError('dec must be in [-90, 90], got 91'))).toMatchObject({ line: 'dec must be in [-90, 90], got 91', expected: true });
  });
});

describe.concurrent('modules loaded at start-up', () => {
  const HEAVY = /node_modules\/(fastify|@fastify|kafkajs|apache-arrow|lmdb|avsc|hyparquet|hyparquet-writer)\//;
  async function loaded(args: string[], name: string): Promise<string[]> {
    const trace = path.join(tmp.dir, `trace-${name}.txt`);
    rmSync(trace, { force: true });
    const r = await runBin(args, { env: { NODE_OPTIONS: `--import ${path.join(ROOT, 'test/support/module-trace.mjs')}`, SKYJOIN_MODULE_TRACE: trace } });
    expect(r.code === 0 || r.code === 2, r.stderr).toBe(true);
    return readFileSync(trace, 'utf8').split('\n').filter(Boolean);
  }
  it.each([
    [['--version'], 'version'], [[], 'usage'], [['--help'], 'help'],
    [['cover', '--scheme', 'htm', '--level', '8', '--ra', '1', '--dec', '2', '--radius-arcsec', '30'], 'cover'],
    [['catalog', 'build', '--help'], 'catalog-help'], [['replay', '--help'], 'replay-help'], [['keys', '--help'], 'keys-help'],
    [['serve', '--help'], 'serve-help'], [['xmatch', '--radius-arcsec', 'x'], 'xmatch-bad-flag'],
  ])('%j loads no Fastify, kafkajs, Arrow, LMDB, Avro or Parquet', async (args, name) => {
    const mods = await loaded(args as string[], name as string);
    expect(mods.length).toBeGreaterThan(0);
    expect(mods.filter((m) => HEAVY.test(m))).toEqual([]);
  });
  it('--version loads nothing of skyjoin but the bin', async () => {
    const mods = await loaded(['--version'], 'version-only');
    expect(mods.filter((m) => m.startsWith('file:'))).toEqual([`file://${BIN}`]);
  });
  it('xmatch of two CSV files loads no Arrow or Parquet', async () => {
    const f = path.join(tmp.dir, 'few.csv');
    writeFileSync(f, 'id,ra,dec\na,1,2\nb,3,4\n');
    const mods = await loaded(['xmatch', '--catalog', f, '--sources', f, '--radius-arcsec', '1', '--out', path.join(tmp.dir, 'pairs.csv')], 'xmatch-csv');
    expect(mods.filter((m) => HEAVY.test(m))).toEqual([]);
  });
});
