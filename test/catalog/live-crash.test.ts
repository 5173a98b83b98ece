import { spawn } from 'node:child_process';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { LiveCatalog } from '../../src/catalog/live.js';
import { tempDir } from '../support/tmp.js';

const BATCH = 500;

/** Starts the writer, lets it commit until `after` batches are reported, then kill -9. */
async function writeAndKill(dir: string, after: number, extraMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/live-writer.ts', dir, String(BATCH)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last = -1;
  let buf = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) last = Number(l);
      if (last >= after) {
        setTimeout(() => child.kill('SIGKILL'), extraMs);
        resolve();
      }
    });
  });
  await new Promise((r) => child.once('exit', r));
  // Lines that arrived after the kill was scheduled were committed too.
  for (const l of buf.split('\n')) if (l) last = Math.max(last, Number(l));
  return last;
}

describe('LMDB live catalog durability', () => {
  it('keeps every committed transaction and no partial one after kill -9', async () => {
    const { dir, cleanup } = tempDir();
    try {
      for (const [after, extra] of [[3, 0], [10, 7], [20, 3]]) {
        const committed = await writeAndKill(dir, after, extra);
        const env = open({ path: dir, maxDbs: 8 });
        const live = LiveCatalog.open(env, 'crash');
        const n = live.count();
        // Every reported batch is there, and nothing but whole batches.
        expect(n).toBeGreaterThanOrEqual((committed + 1) * BATCH);
        expect(n % BATCH).toBe(0);
        const batches = n / BATCH;
        for (let b = 0; b < batches; b++) {
          expect(live.get(b * BATCH)?.data).toEqual({ batch: b });
          expect(live.get(b * BATCH + BATCH - 1)?.data).toEqual({ batch: b });
        }
        expect(live.cone((0.137 * 5) % 360, ((5 * 0.071) % 180) - 90, 0.01).map((h) => h.id)).toContain(5);
        await env.close();
      }
    } finally {
      cleanup();
    }
  });
});
