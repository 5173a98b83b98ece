// skyjoin notify [--data DIR] [--instance TAG] [--config FILE] [--idle-exit SECONDS]
//
// The delivery worker on its own: sends what `skyjoin stream` queued in its
// outbox (DATA/stream, or DATA/stream-TAG). One worker delivers an outbox at
// a time (a lease in the outbox): started beside a stream that delivers
// itself, this one stands by and takes over if that one stops.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { numberFlag, optionalString, parse } from './args.js';
import { notifyConfig } from './config-file.js';
import { defaultDataDir } from './data-dir.js';
import { CliError, UsageError } from './errors.js';

const USAGE = `usage: skyjoin notify [--data DIR] [--instance TAG] [--config FILE] [--idle-exit SECONDS]
Delivers the notifications 'skyjoin stream --data DIR' queued for the subscriptions of
/v1/subscriptions: webhook, Slack, e-mail and VOEvent, with retries, digests, rate limits and
quiet hours. Run it when the stream runs with --no-notify-worker, or to deliver a backlog
while no stream runs. Logs JSON lines on stderr; SIGTERM stops after the sends in flight.
options:
  --data DIR            the stream's data folder (default $SKYJOIN_DATA or ~/.local/share/skyjoin)
  --instance TAG        the stream store of 'skyjoin stream --instance TAG'
  --config FILE         JSON config shared with 'skyjoin serve'; its "notify" section is used
  --idle-exit SECONDS   stop once nothing has waited to be sent for this long (default: run until SIGTERM)`;

export async function notifyCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    data: { type: 'string' }, instance: { type: 'string' }, config: { type: 'string' }, 'idle-exit': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const dataDir = optionalString(values, 'data') ?? defaultDataDir();
  const instance = optionalString(values, 'instance');
  if (instance !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(instance)) throw new UsageError(`--instance must be 1-64 of [A-Za-z0-9_.-], got '${instance}'`);
  const idleMs = numberFlag(values, 'idle-exit', { min: 0.1, def: 0 }, USAGE) * 1000;
  const config = notifyConfig(optionalString(values, 'config'), dataDir);
  // The folder StreamStore.at would open (not opened here: that would create it).
  const dir = path.join(dataDir, instance ? `stream-${instance}` : 'stream');
  if (!existsSync(dir)) throw new CliError(`--data ${dataDir}: no stream store at ${dir} (run 'skyjoin stream --data ${dataDir}' first)`);
  const { Notifier, settleReads } = await import('../notify/runtime.js');
  const { open } = await import('lmdb');
  // The stream store's environment: only the outbox's tables are used here.
  const env = open({ path: dir, maxDbs: 32 });
  const log = (o: Record<string, unknown>) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...o })}\n`);
  const notifier = new Notifier(dataDir, env, config, { deliver: true, log });
  const worker = notifier.worker!;
  let stop: (why: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => { stop = resolve; });
  const onSignal = (sig: string) => stop(`signal ${sig}`);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let timer: ReturnType<typeof setInterval> | undefined;
  if (idleMs > 0) {
    let idleSince = 0;
    timer = setInterval(() => {
      const now = Date.now();
      if (!worker.idle()) { idleSince = 0; return; }
      idleSince ||= now;
      if (now - idleSince >= idleMs && now - worker.lastBusyAt >= idleMs) stop(`idle ${idleMs / 1000} s`);
    }, Math.min(200, idleMs));
  }
  // Keeps the process alive while the worker's own timers are unref'd.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    const why = await stopped;
    log({ msg: 'stopping', why });
  } finally {
    clearInterval(timer);
    clearInterval(keepAlive);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  const report = await notifier.close();
  await settleReads();
  await env.close();
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return 0;
}
