// The web portal at `/`: the static files of the package's portal/ folder
// (plain HTML, CSS and JavaScript, no build step) and uPlot from
// node_modules, read once and held in memory. The pages call the REST API
// of the same server; nothing is fetched from anywhere else.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { RouteNotFound } from '../errors.js';
import { clip } from '../../messages/quote.js';

/** The portal/ folder of this package (dist/src/service/routes -> ../../../.., src/service/routes -> ../../..). */
export function portalDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../../../..']) {
    const dir = path.resolve(here, up, 'portal');
    if (existsSync(path.join(dir, 'index.html'))) return dir;
  }
  throw new Error(`cannot find the portal folder next to ${here}`);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface Asset { body: Buffer; type: string }

function loadAssets(): Map<string, Asset> {
  const dir = portalDir();
  const assets = new Map<string, Asset>();
  for (const f of ['index.html', 'app.js', 'app.css', 'lightcurve.js']) {
    assets.set(f, { body: readFileSync(path.join(dir, f)), type: TYPES[path.extname(f)] });
  }
  // uPlot (MIT), served as installed: its licence travels in node_modules/uplot/LICENSE.
  const uplot = path.dirname(createRequire(import.meta.url).resolve('uplot/package.json'));
  for (const f of ['uPlot.iife.min.js', 'uPlot.min.css']) {
    assets.set(`vendor/${f}`, { body: readFileSync(path.join(uplot, 'dist', f)), type: TYPES[path.extname(f)] });
  }
  assets.set('vendor/uPlot.LICENSE', { body: readFileSync(path.join(uplot, 'LICENSE')), type: 'text/plain; charset=utf-8' });
  return assets;
}

export function portalRoutes(app: FastifyInstance): void {
  const assets = loadAssets();
  const send = (name: string) => assets.get(name);
  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    const a = send('index.html')!;
    return reply.type(a.type).header('cache-control', 'no-cache').send(a.body);
  });
  app.get<{ Params: { '*': string } }>('/portal/*', { schema: { hide: true } }, async (req, reply) => {
    const a = send(req.params['*']);
    if (!a) throw new RouteNotFound('GET', clip(req.url.split('?')[0]));
    return reply.type(a.type).header('cache-control', 'no-cache').send(a.body);
  });
}
