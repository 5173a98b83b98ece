// `skyjoin serve` as a user runs it: `node bin/skyjoin.js serve --port 0 ...`
// in a child process, on loopback; resolves with its base URL once it listens.

import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, ROOT, ensureBuilt } from './bin.js';

export interface Served {
  base: string;
  child: ChildProcess;
  /** What the server logged (JSON lines). */
  log: () => string;
  stop: () => Promise<void>;
}

export async function startServe(args: string[], env: Record<string, string> = {}): Promise<Served> {
  ensureBuilt();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--host', '127.0.0.1', ...args], {
    cwd: ROOT, env: { ...process.env, SKYJOIN_LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 60_000);
    const look = () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stdout!.on('data', look);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited (${code}):\n${out}`)); });
  });
  child.removeAllListeners('exit');
  return {
    base, child, log: () => out,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
