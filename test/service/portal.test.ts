// The portal in a real browser: headless Chromium (Debian's /usr/bin/chromium)
// driven by playwright-core against `skyjoin serve` on loopback. A key holder
// makes a watch list and uploads a target as CSV through the pages; then a
// real stream run ingests the 34 alerts of ZTF21abiuvdk into the served
// folder. The object page must plot every detection, load the three cutouts,
// a cone search must find the object, and no page may log a console error.
// Screenshots land in test-output/portal/ for a person to look at.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runBin } from '../support/bin.js';
import { startServe, type Served } from '../support/serve.js';
import { tempDir } from '../support/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const LC_DIR = '/work/shared/data/ztf/alerts/pgb_ZTF21abiuvdk_lightcurve';
const SHOTS = path.join(ROOT, 'test-output', 'portal');
const tmp = tempDir();
const data = path.join(tmp.dir, 'data');
let srv: Served;
let browser: Browser;
let key: string;
const consoleErrors: string[] = [];

async function newPage(width = 1280, height = 900): Promise<Page> {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  page.on('requestfailed', (r) => consoleErrors.push(`${page.url()}: request failed ${r.url()}`));
  return page;
}

/** Opens a portal route and waits until the page has rendered it (body[data-ready]). */
async function open(page: Page, hash: string): Promise<void> {
  await page.goto(`${srv.base}/${hash}`);
  await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  srv = await startServe(['--data', data]);
  const k = await runBin(['keys', 'create', 'portal', '--data', data]);
  expect(k.code, k.stderr).toBe(0);
  key = k.stdout.trim();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  tmp.cleanup();
});

describe('portal in headless Chromium', () => {
  it('a key holder creates a watch list and uploads its targets as CSV', async () => {
    const page = await newPage();
    await open(page, '#/watchlists');
    await page.fill('#api-key', key);
    await page.click('#key-form button[type=submit]');
    await page.waitForSelector('#new-list');
    await page.fill('#new-name', 'NGC 7814 watch');
    await page.click('#new-list button[type=submit]');
    await page.waitForSelector('#upload');
    await page.fill('#csv', 'name,ra,dec,radius_arcsec\nSN in NGC 7814,0.81429,16.14569,3\n');
    await page.click('#upload button[type=submit]');
    await page.waitForFunction(() => /1 targets/.test(document.body.textContent ?? ''));
    await shot(page, 'watchlist-created');
    await page.close();
    // Now the stream runs over the served folder.
    const r = await runBin(['stream', '--from', `file:${LC_DIR}`, '--data', data, '--no-annotate', '--public-url', srv.base], { timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
  });

  it('the page of ZTF21abiuvdk plots every detection, loads the three cutouts, lists annotations and hits', async () => {
    const found = await (await fetch(`${srv.base}/v1/objects?alias=ZTF21abiuvdk`)).json() as { objects: Array<{ object_id: string }> };
    const id = found.objects[0].object_id;
    const lc = await (await fetch(`${srv.base}/v1/objects/${id}/lightcurve`)).json() as { bands: Record<string, { detections: Array<{ mjd_tai: number; mag: number }>; upper_limits: unknown[] }> };
    const detections = Object.values(lc.bands).flatMap((b) => b.detections);
    const limits = Object.values(lc.bands).reduce((n, b) => n + b.upper_limits.length, 0);
    expect(detections.length).toBe(34);

    const page = await newPage();
    await page.addInitScript((k) => localStorage.setItem('skyjoin.apiKey', k), key);
    await open(page, `#/objects/${id}`);
    const plotted = await page.evaluate(() => {
      const p = (window as unknown as { skyjoinPlot: { plot: { data: Array<Array<number | null>>; series: Array<{ label: string }>; scales: Record<string, { min: number; max: number }> }; counts: { detections: number; upper_limits: number } } }).skyjoinPlot;
      const { data, series, scales } = p.plot;
      const points: Array<[number, number]> = [];
      series.forEach((s, i) => { if (/detections/.test(s.label)) data[i].forEach((v, j) => { if (v !== null) points.push([data[0][j], v]); }); });
      return { counts: p.counts, points, x: [scales.x.min, scales.x.max], y: [scales.y.min, scales.y.max], canvas: !!document.querySelector('#lightcurve canvas') };
    });
    expect(plotted.canvas).toBe(true);
    expect(plotted.counts).toEqual({ detections: 34, upper_limits: limits });
    // Every detection is a point of the plot, inside its axes.
    expect(plotted.points.map(([t, m]) => `${t}:${m}`).sort()).toEqual(detections.map((d) => `${d.mjd_tai}:${d.mag}`).sort());
    for (const [t, m] of plotted.points) {
      expect(t).toBeGreaterThanOrEqual(plotted.x[0]);
      expect(t).toBeLessThanOrEqual(plotted.x[1]);
      expect(m).toBeGreaterThanOrEqual(plotted.y[0]);
      expect(m).toBeLessThanOrEqual(plotted.y[1]);
    }
    // The cutout triplet: three PNGs, loaded and decoded by the browser.
    await page.waitForFunction(() => [...document.querySelectorAll('.cutouts img')].every((i) => (i as HTMLImageElement).complete));
    const imgs = await page.$$eval('.cutouts img', (els) => els.map((e) => ({ kind: e.getAttribute('data-kind'), w: (e as HTMLImageElement).naturalWidth })));
    expect(imgs.map((i) => i.kind)).toEqual(['science', 'template', 'difference']);
    for (const i of imgs) expect(i.w).toBeGreaterThan(60);
    const text = await page.textContent('main');
    expect(text).toContain('ztf:ZTF21abiuvdk');
    expect(text).toContain('NGC7814');
    expect(text).toContain('SN in NGC 7814'); // the key holder's watch-list hits
    await shot(page, 'object-ZTF21abiuvdk');
    // Readable on a phone: nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'object-ZTF21abiuvdk-phone');
    await page.close();
  });

  it('a cone search and an alias search find it; the latest alerts and the watch list with its hits show', async () => {
    const page = await newPage();
    await open(page, '#/');
    await page.fill('#q', '0.8143 16.1457 5');
    await page.press('#q', 'Enter');
    await page.waitForSelector('#results');
    expect(await page.textContent('#results')).toContain('ztf:ZTF21abiuvdk');
    await shot(page, 'cone-search');
    await page.fill('#q', 'ZTF21abiuvdk');
    await page.press('#q', 'Enter');
    await page.waitForSelector('#lightcurve canvas');
    await open(page, '#/alerts');
    expect(await page.locator('main tbody tr').count()).toBe(34);
    await shot(page, 'latest-alerts');
    await page.evaluate((k) => localStorage.setItem('skyjoin.apiKey', k), key);
    await open(page, '#/watchlists');
    await page.click('text=NGC 7814 watch');
    await page.waitForFunction(() => /Hits/.test(document.body.textContent ?? '') && document.querySelectorAll('main tbody tr').length > 0);
    expect(await page.locator('main tbody tr').count()).toBe(34);
    await shot(page, 'watchlist-hits');
    await page.close();
  });

  it('logged no console error on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
