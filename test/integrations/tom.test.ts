// The TOM Toolkit module (integrations/tom_skyjoin) with the real TOM Toolkit
// (tom_base 2.32.4, Django, SQLite) against `skyjoin serve` on loopback over a
// stream data folder: ../shared/tom/install.sh makes the TOM's venv (once:
// in $SKYJOIN_TOM_DIR, else $TMPDIR/skyjoin-tom, reused by later runs; outside the
// checkout, since pip's build skips what git ignores), the stream
// ingests the 34 real alerts of ZTF21abiuvdk (a watch list of the key has a
// target on it), and the module's Django tests run in a fresh TOM project:
// object and cone queries through the broker pages, a target created from an
// alert with its photometry from skyjoin's light curve, the watch list's hits.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runBin } from '../support/bin.js';
import { startServe, type Served } from '../support/serve.js';
import { tempDir } from '../support/tmp.js';

const TOM_SHARED = path.resolve(ROOT, '..', 'shared', 'tom');
const TOM_DIR = process.env.SKYJOIN_TOM_DIR ?? path.join(os.tmpdir(), 'skyjoin-tom');
const LC_DIR = path.resolve(ROOT, '..', 'shared', 'data', 'ztf', 'alerts', 'pgb_ZTF21abiuvdk_lightcurve');
const tmp = tempDir();
const SHOTS = path.join(ROOT, 'test-output', 'tom');
const PAGE = path.join(tmp.dir, 'tom-query-result.html');
const data = path.join(tmp.dir, 'data');
let srv: Served;
let key: string;
let listId: string;

function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 600_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out }); });
  });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  if (!existsSync(path.join(TOM_DIR, 'venv', 'bin', 'python'))) {
    mkdirSync(TOM_DIR, { recursive: true });
    const r = await run('bash', [path.join(TOM_SHARED, 'install.sh'), TOM_DIR]);
    expect(r.code, r.out).toBe(0);
  }
  srv = await startServe(['--data', data]);
  const k = await runBin(['keys', 'create', 'tom', '--data', data]);
  expect(k.code, k.stderr).toBe(0);
  key = k.stdout.trim();
  const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  listId = ((await (await fetch(`${srv.base}/v1/watchlists`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'TOM targets' }) })).json()) as { id: string }).id;
  await fetch(`${srv.base}/v1/watchlists/${listId}/targets`, { method: 'POST', headers: auth, body: JSON.stringify([{ name: 'SN', ra: 0.81429, dec: 16.14569, radius_arcsec: 3 }]) });
  const s = await runBin(['stream', '--from', `file:${LC_DIR}`, '--data', data, '--no-annotate', '--public-url', srv.base], { timeoutMs: 120_000 });
  expect(s.code, s.stderr).toBe(0);
}, 900_000);

afterAll(async () => {
  await srv?.stop();
  tmp.cleanup();
});

describe('TOM Toolkit module tom_skyjoin', () => {
  it("passes its Django tests in a real TOM against skyjoin serve: object and cone queries, watch-list hits, a target with skyjoin's light curve", async () => {
    const r = await run('bash', [path.join(ROOT, 'integrations', 'tom_skyjoin', 'tests', 'run.sh'), TOM_DIR], {
      SKYJOIN_URL: srv.base, SKYJOIN_API_KEY: key, SKYJOIN_WATCHLIST: listId, TOM_SETTINGS: path.join(TOM_SHARED, 'tom_settings.py'),
      SKYJOIN_TOM_PAGE: PAGE,
    });
    expect(r.code, r.out.slice(-4000)).toBe(0);
    expect(r.out).toMatch(/Ran 6 tests/);
    expect(r.out).toMatch(/\nOK\n/);
    expect(r.out).not.toMatch(/skipped/);
    // The TOM's page of query results, for a person to look at (rendered offline:
    // the TOM's CDN styles do not load here).
    const html = readFileSync(PAGE, 'utf8');
    expect(html).toContain('ZTF21abiuvdk');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'domcontentloaded' });
      await page.screenshot({ path: path.join(SHOTS, 'tom-query-result.png'), fullPage: false });
    } finally {
      await browser.close();
    }
  }, 600_000);
});
