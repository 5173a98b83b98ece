// skyjoin serve [--port 8080] [--host 127.0.0.1] [--catalogs DIR_OR_CONFIG] [--data DIR] [--config FILE] [--public-url URL]

import { readFileSync } from 'node:fs';
import { fsReason } from '../catalog/fs-errors.js';
import type { ServiceConfig, ServiceOptions } from '../service/options.js';
import { numberFlag, optionalString, parse } from './args.js';
import { defaultDataDir } from './data-dir.js';
import { CliError } from './errors.js';

const USAGE = `usage: skyjoin serve [--port 8080] [--host 127.0.0.1] [--catalogs DIR_OR_CONFIG] [--data DIR] [--config FILE] [--public-url URL]
With no options: serves the catalogs shipped in catalogs/ (built on first use) and keeps
its state (API keys, uploads, watch lists, users' filters, the stream registry, notification
subscriptions) in LMDB under the data folder ($SKYJOIN_DATA or ~/.local/share/skyjoin), the
one 'skyjoin stream --data DIR' reads. Pointed at the data folder of 'skyjoin stream' (--data
DIR) it also serves the stream's objects, light curves, alerts and cutouts (/v1/objects,
/v1/alerts; read-only, while the stream runs) and the web portal at /. Routes at /docs:
/v1/catalogs, /v1/xmatch, /v1/watchlists, /v1/filters (CEL expressions; POST /v1/filters/test
tries one on archived alerts), /v1/streams (registry, ?after= pull, /events SSE tail),
/v1/subscriptions (notifications of a stream), /v1/objects, /v1/alerts.
--public-url: base of the absolute URLs in answers and notifications (default: the URL each
request came to; also $SKYJOIN_PUBLIC_URL or "publicUrl" in --config). --config: a JSON file
with service options (limits, uploadTtlSeconds, access, rateLimitPerMinute, notify: SMTP,
allowed networks of notification receivers, ...). Reads and uploads need no
API key unless the config closes them: {"access": {"reads": "key", "uploads": "key"}}.
Logs JSON lines; SIGTERM finishes the requests in flight, closes the stores and exits.`;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    port: { type: 'string' }, host: { type: 'string' }, catalogs: { type: 'string' }, data: { type: 'string' },
    config: { type: 'string' }, 'public-url': { type: 'string' },
  }, USAGE);
  const port = numberFlag(values, 'port', { min: 0, max: 65535, integer: true, def: 8080 }, USAGE);
  const host = optionalString(values, 'host') ?? '127.0.0.1';
  let fileOpts: Partial<ServiceOptions> = {};
  const cfg = optionalString(values, 'config');
  if (cfg) {
    let text: string;
    try {
      text = readFileSync(cfg, 'utf8');
    } catch (err) {
      throw new CliError(`--config ${cfg}: cannot read: ${fsReason(err)}`);
    }
    try {
      fileOpts = JSON.parse(text);
    } catch (err) {
      throw new CliError(`--config ${cfg}: not valid JSON: ${(err as Error).message}`);
    }
  }
  const options: ServiceOptions = {
    ...fileOpts,
    dataDir: optionalString(values, 'data') ?? fileOpts.dataDir ?? defaultDataDir(),
    catalogs: optionalString(values, 'catalogs') ?? fileOpts.catalogs,
    logger: fileOpts.logger ?? { level: process.env.SKYJOIN_LOG_LEVEL ?? 'info' },
  };
  const publicUrl = optionalString(values, 'public-url') ?? fileOpts.publicUrl ?? process.env.SKYJOIN_PUBLIC_URL;
  if (publicUrl !== undefined) options.publicUrl = publicUrl;
  const { buildApp } = await import('../service/app.js');
  let app;
  try {
    app = await buildApp(options);
  } catch (err) {
    if ((err as Error).name === 'ConfigError') throw new CliError(`bad configuration: ${(err as Error).message}`);
    throw err;
  }
  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing requests in flight');
    await app.close();
    process.exit(0);
  };
  try {
    await app.listen({ port, host });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CliError(`cannot listen on ${host}:${port}: the address is already in use (another server? pick another --port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') throw new CliError(`cannot listen on ${host}:${port}: ${fsReason(err)}`);
    throw err;
  }
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  const { access } = (app as unknown as { skyjoin: { config: ServiceConfig } }).skyjoin.config;
  if (!isLoopback(host) && (access.reads === 'open' || access.uploads === 'open')) {
    app.log.warn({ host, access }, `anyone who can reach ${host}:${port} may read${access.uploads === 'open' ? ' and upload' : ''} without an API key; close it with {"access": {"reads": "key", "uploads": "key"}} in --config`);
  }
  // Stay up until a signal: the returned promise never settles.
  await new Promise(() => {});
  return 0;
}
