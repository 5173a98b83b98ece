// Past one machine: two `skyjoin stream` processes in one consumer group,
// sharing the data folder, produce the same stores and the same outputs as
// one process. Alerts are partitioned by a coarse HEALPix pixel (as
// `skyjoin replay` does), so each process owns the objects of its regions.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ang2pixNest } from '../../src/healpix/index.js';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { fileSourceFiles } from '../../src/stream/sources/file.js';
import { startKafkaMock, type KafkaMock } from '../support/kafka-mock.js';
import { dumpStream, withoutObjectIds } from '../support/stream-dump.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const MAIN = path.resolve('src/cli/main.ts');
const tmp = tempDir();
let mock: KafkaMock;

/** `skyjoin stream ...` in a child process; resolves with its JSON report. */
function stream(args: string[]): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
    'const { main } = await import(process.argv[1]); process.exitCode = await main(JSON.parse(process.argv[2]));', MAIN, JSON.stringify(['stream', ...args])],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stdout.on('data', (c: Buffer) => { out += c; });
  child.stderr.on('data', (c: Buffer) => { err += c; });
  return new Promise((resolve, reject) => child.on('exit', (code) => {
    if (code !== 0) return reject(new Error(`skyjoin stream exited ${code}: ${err.slice(-3000)}`));
    // Once out of the group for the last time (a consumer replaced after a
    // crash leaves too) it closes its stores and ends: nothing (a timer, a
    // socket) holds it open.
    const left = err.split('\n').filter((l) => l.includes('"msg":"left the group"')).map((l) => Date.parse(JSON.parse(l).time as string)).pop();
    if (left === undefined || Date.now() - left > 8000) reject(new Error(`skyjoin stream ended ${left === undefined ? 'without leaving the group' : `${Date.now() - left} ms after leaving the group`}: ${err.slice(-3000)}`));
    else resolve(JSON.parse(out));
  }));
}

function jsonl(dirs: string[], stream: string): Array<Record<string, unknown>> {
  return dirs.flatMap((d) => {
    const f = path.join(d, `${stream}.jsonl`);
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  });
}

beforeAll(async () => {
  // Eight partitions keep each under the mock broker's ~5 MB per partition.
  mock = await startKafkaMock({ topics: { night: 8 } });
  const kafka = new Kafka({ clientId: 't', brokers: mock.bootstrap, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const dec = new AlertDecoder();
  const messages: Array<{ key: string; value: Buffer }> = [];
  for (const f of fileSourceFiles(ZTF)) {
    const value = readFileSync(f);
    const [a] = await dec.decode(value);
    messages.push({ key: String(ang2pixNest(3, a.ra, a.dec)), value });
  }
  await producer.send({ topic: 'night', messages });
  await producer.disconnect();
}, 60_000);

afterAll(async () => {
  await mock?.stop();
  tmp.cleanup();
});

describe('two stream processes in one group', () => {
  it('produce the same stores and outputs as one process', async () => {
    const from = `kafka://${mock.bootstrap[0]}/night`;
    const common = ['--from', from, '--idle-exit', '4', '--session-timeout', '6', '--no-watch'];
    const one = path.join(tmp.dir, 'one');
    const solo = await stream([...common, '--group', 'solo', '--data', one, '--to', `dir:${path.join(one, 'out')}`]);
    expect(solo).toMatchObject({ received: 261, deadLettered: 0 });

    const two = path.join(tmp.dir, 'two');
    const outs = [path.join(two, 'out-a'), path.join(two, 'out-b')];
    const pair = await Promise.all(outs.map((o) => stream([...common, '--group', 'pair', '--data', two, '--to', `dir:${o}`])));
    // Both processes took a share of the partitions.
    for (const r of pair) expect((r.run as { messages: number }).messages).toBeGreaterThan(0);
    expect(pair.reduce((s, r) => s + (r.run as { messages: number }).messages, 0)).toBe(259);

    const a = withoutObjectIds(await dumpStream(one)), b = withoutObjectIds(await dumpStream(two));
    for (const k of ['objects', 'detections', 'nondet', 'aliases', 'counts', 'archived', 'parquetRows', 'cutouts']) expect(b[k], k).toEqual(a[k]);

    // Outputs: the union of the two processes' streams equals the one process's, record for record.
    const aliasesOf = (recs: Array<Record<string, unknown>>) => new Map(recs.map((o) => [String(o.object_id), [...(o.aliases as string[])].sort().join('|')]));
    const oneObjects = aliasesOf(jsonl([path.join(one, 'out')], 'objects'));
    const twoObjects = aliasesOf(jsonl(outs, 'objects'));
    // Object ids (also in object_url) differ between runs: each record names its object by its aliases.
    const byName = (id: string, names: Map<string, string>) => names.get(id) ?? id;
    const canon = (recs: Array<Record<string, unknown>>, names: Map<string, string>) =>
      recs.map((r) => JSON.stringify({
        ...r, object_id: byName(String(r.object_id), names), object: undefined,
        object_url: typeof r.object_url === 'string' ? r.object_url.replace(/\/v1\/objects\/(\d+)$/, (_, id: string) => `/v1/objects/${byName(id, names)}`) : r.object_url,
      })).sort();
    expect([...twoObjects.values()].sort()).toEqual([...oneObjects.values()].sort());
    for (const s of ['annotated', 'detections', 'nondetections']) {
      expect(canon(jsonl(outs, s), twoObjects), s).toEqual(canon(jsonl([path.join(one, 'out')], s), oneObjects));
    }
  }, 180_000);
});
