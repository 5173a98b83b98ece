import { spawn } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { readContainer } from '../../src/stream/decoding/container.js';
import { encodeContainer } from '../../src/stream/avro/container-writer.js';
import { StreamPipeline } from '../../src/stream/pipeline.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import { StreamStore } from '../../src/stream/store.js';
import { dumpStream } from '../support/stream-dump.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function runFiles(src: string, dataDir: string, out = path.join(dataDir, 'out'), batch = 200): Promise<StreamPipeline> {
  const p = new StreamPipeline({ dataDir, sink: new DirSink(out), decoder: { lsstSchemas: path.join(SHARED_DATA, 'lsst', 'schema') } });
  await p.recover();
  for (const b of fileBatches(src, batch)) await p.handle(b);
  return p;
}

/** A ZTF container re-encoded with some fields changed (same writer schema). */
function editZtf(file: string, edit: (r: Record<string, any>) => void): Buffer {
  const { header, records, type } = readContainer(readFileSync(file));
  return encodeContainer(header.schemaText, records.map((r) => { edit(r as Record<string, any>); return type.toBuffer(r); }));
}

describe('stream from files', () => {
  it('ingests every real ZTF alert: 220 objects, histories complete and unduplicated', async () => {
    const data = path.join(tmp.dir, 'all');
    const p = await runFiles(ZTF, data);
    const { totals } = p.store.counts();
    expect(totals).toMatchObject({ received: 261, decoded: 261, deadLettered: 0, duplicatesSkipped: 1, objects: 220 });
    expect(totals.decoded + totals.deadLettered).toBe(totals.received);
    expect(p.store.objects.count()).toBe(220);
    // ZTF21abiuvdk: one object, every one of its 34 alerts, each detection once.
    const id = p.store.aliases.get('ztf:ZTF21abiuvdk')!;
    const dets = Array.from(p.store.detections.getRange({}), ({ value }) => value).filter((d) => d.objectId === id);
    const ids = dets.map((d) => d.alertId);
    expect(new Set(ids).size).toBe(ids.length);
    const dir = path.join(ZTF, 'pgb_ZTF21abiuvdk_lightcurve');
    const alerts = (await Promise.all(readdirSync(dir).map((f) => new AlertDecoder().decode(readFileSync(path.join(dir, f)))))).flat();
    for (const a of alerts) {
      expect(ids).toContain(a.alertId.toString());
      for (const h of a.prvDetections) expect(ids).toContain(h.alertId.toString());
    }
    const obj = p.store.objects.get(id)!.data;
    expect(obj.nDetections).toBe(dets.length);
    expect(obj.aliases).toEqual(['ztf:ZTF21abiuvdk']);
    expect(obj.firstMjd).toBe(Math.min(...dets.map((d) => d.mjd)));
    expect(obj.lastMjd).toBe(Math.max(...dets.map((d) => d.mjd)));
    const nondet = Array.from(p.store.nondet.getRange({ start: [id], end: [id + 1] }));
    const want = new Set(alerts.flatMap((a) => a.nonDetections.map((n) => `${n.mjd}:${n.band}:${n.kind}`)));
    expect(nondet.length).toBe(want.size);
    // Outputs: JSON lines with 64-bit ids as strings.
    const det = readFileSync(path.join(data, 'out', 'detections.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(det).toHaveLength(totals.detections);
    expect(det.some((d) => d.alert_id === '2475433850015010009')).toBe(true);
    await p.close();
  });

  it('an upstream replay under new names changes no store, only duplicatesSkipped', async () => {
    const data = path.join(tmp.dir, 'replay');
    const copy = path.join(tmp.dir, 'replay-src');
    cpSync(path.join(ZTF, 'kowalski_20231012'), path.join(copy, 'a'), { recursive: true });
    let p = await runFiles(copy, data);
    await p.close();
    const before = await dumpStream(data);
    cpSync(path.join(ZTF, 'kowalski_20231012'), path.join(copy, 'b'), { recursive: true });
    p = await runFiles(copy, data);
    const totals = p.store.counts().totals;
    await p.close();
    const after = await dumpStream(data);
    expect(totals).toMatchObject({ received: 48, decoded: 48, duplicatesSkipped: 24, objects: 24 });
    for (const k of ['objects', 'detections', 'nondet', 'aliases', 'archived', 'parquetRows', 'cutouts']) expect(after[k], k).toEqual(before[k]);
  });

  it('republishes only the last batch when a crash lost its published mark, and nothing after a clean close', async () => {
    const data = path.join(tmp.dir, 'published');
    const src = path.join(ZTF, 'kowalski_20231012');
    const lines = () => readFileSync(path.join(data, 'out', 'detections.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).alert_id as string);
    const batches = [...fileBatches(src, 8)];
    expect(batches).toHaveLength(3);
    // A run that dies after its last batch's outputs are flushed: that batch's
    // published mark is still in memory (marks ride in the next transaction).
    const crashed = await runFiles(src, data, undefined, 8);
    // What the last batch alone stores (these 24 alerts are 24 different objects).
    const alone = new StreamPipeline({ dataDir: path.join(tmp.dir, 'published-last'), sink: new DirSink(path.join(tmp.dir, 'published-last', 'out')) });
    const lastIds = new Set((await alone.handle(batches[2])).newDetections.map((d) => d.alertId));
    await alone.close();
    await crashed.store.close();
    const first = lines();
    // The restart republishes the last batch's detections (stored records, same keys), not the others.
    const again = await runFiles(src, data, undefined, 8);
    const repeats = lines().slice(first.length);
    expect(repeats.length).toBeGreaterThan(0);
    expect(new Set(repeats)).toEqual(lastIds);
    expect(again.store.counts().totals).toMatchObject({ received: 24, duplicatesSkipped: 0 });
    await again.close();
    // Closed cleanly: every mark is written, a third run publishes nothing.
    const third = await runFiles(src, data, undefined, 8);
    await third.close();
    expect(lines()).toHaveLength(first.length + repeats.length);
  });

  it('sends undecodable and invalid alerts to dead letters with a reason, and goes on', async () => {
    const src = path.join(tmp.dir, 'bad-src');
    mkdirSync(src, { recursive: true });
    cpSync(path.join(ZTF, 'ampel_misc'), src, { recursive: true });
    writeFileSync(path.join(src, 'zz-garbage.avro'), 'definitely not avro');
    writeFileSync(path.join(src, 'zz-nan.avro'), editZtf(path.join(ZTF, 'boom', readdirSync(path.join(ZTF, 'boom'))[0]), (r) => { r.candidate.ra = NaN; }));
    writeFileSync(path.join(src, 'zz-dec.avro'), editZtf(path.join(ZTF, 'boom', readdirSync(path.join(ZTF, 'boom'))[0]), (r) => { r.candidate.dec = 95; r.candid += 1n; }));
    const data = path.join(tmp.dir, 'bad');
    const p = await runFiles(src, data);
    const { totals } = p.store.counts();
    await p.close();
    expect(totals.deadLettered).toBe(3);
    expect(totals.decoded + totals.deadLettered).toBe(totals.received);
    const dl = readFileSync(path.join(data, 'out', 'deadletter.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dl.map((d) => d.reason).sort()).toEqual(['bad-container', 'invalid-alert', 'invalid-alert']);
    expect(dl.find((d) => d.message.includes('ra must be'))).toBeDefined();
    expect(dl.find((d) => d.message.includes('dec must be in [-90, 90], got 95'))).toBeDefined();
    expect(Buffer.from(dl.find((d) => d.reason === 'bad-container').value, 'base64').toString()).toBe('definitely not avro');
  });

  it('a ZTF alert and a Rubin alert of the same star join one object, both ids kept as aliases', async () => {
    const src = path.join(tmp.dir, 'two-surveys');
    mkdirSync(src, { recursive: true });
    const ztfFile = path.join(ZTF, 'boom', readdirSync(path.join(ZTF, 'boom'))[0]);
    cpSync(ztfFile, path.join(src, 'a-ztf.avro'));
    const [z] = await new AlertDecoder().decode(readFileSync(ztfFile));
    // The Rubin sample, moved 0.4" from the ZTF position, framed for the wire.
    const dec = new AlertDecoder({ lsstSchemas: path.join(SHARED_DATA, 'lsst', 'schema') });
    const wire = readFileSync(path.join(SHARED_DATA, 'lsst', 'samples', 'pittgoogle_lsst_v11_1_confluent_wire.avro'));
    const folder = (await import('../../src/stream/decoding/decoder.js')).SchemaFolder;
    const type = new folder(path.join(SHARED_DATA, 'lsst', 'schema')).get(1101)!.type;
    const rec = type.fromBuffer(wire.subarray(5)) as Record<string, any>;
    rec.diaSource.ra = z.ra;
    rec.diaSource.dec = z.dec + 0.4 / 3600;
    rec.diaSource.midpointMjdTai = z.mjd + 1;
    writeFileSync(path.join(src, 'b-lsst.avro'), Buffer.concat([wire.subarray(0, 5), type.toBuffer(rec)]));
    const data = path.join(tmp.dir, 'two');
    const p = await runFiles(src, data);
    expect(p.store.objects.count()).toBe(1);
    const obj = [...p.store.objects.entries()][0].data;
    const [l] = await dec.decode(readFileSync(path.join(src, 'b-lsst.avro')));
    expect(obj.aliases.sort()).toEqual([`lsst:${l.surveyObjectId}`, `ztf:${z.surveyObjectId}`].sort());
    expect(obj.surveys.sort()).toEqual(['lsst', 'ztf']);
    await p.close();
  });

  it('kill -9 at random moments, restarted each time, ends with exactly the stores of an uninterrupted run', async () => {
    const src = path.join(tmp.dir, 'crash-src');
    cpSync(ZTF, src, { recursive: true });
    const clean = path.join(tmp.dir, 'crash-clean');
    const p = await runFiles(src, clean, path.join(clean, 'out'), 3);
    await p.close();
    const want = await dumpStream(clean);
    const crashed = path.join(tmp.dir, 'crash-run');
    let kills = 0;
    for (let attempt = 0; attempt < 40; attempt++) {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/stream-child.ts', src, crashed, path.join(crashed, 'out')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let finished = false;
      child.stdout.on('data', (c: Buffer) => { if (c.toString().includes('done')) finished = true; });
      // Twelve kills at pseudo-random moments (mostly mid-batch), then a run to the end.
      const delay = attempt < 12 ? 700 + ((attempt * 7919) % 1500) : 1e9;
      const timer = setTimeout(() => { if (!finished) { child.kill('SIGKILL'); kills++; } }, delay);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(timer);
      if (finished) break;
    }
    expect(kills).toBeGreaterThan(2);
    const got = await dumpStream(crashed);
    for (const k of ['objects', 'detections', 'nondet', 'aliases', 'counts', 'archived', 'parquetRows', 'cutouts']) expect(got[k], k).toEqual(want[k]);
    // Outputs are at least once: every record of the clean run is there (a
    // batch stored but not yet published when killed is published again).
    const keys = (dir: string, stream: string, key: (v: Record<string, unknown>) => string) =>
      new Set(readFileSync(path.join(dir, 'out', `${stream}.jsonl`), 'utf8').split('\n').filter(Boolean).map((l) => key(JSON.parse(l))));
    const streams: Array<[string, (v: Record<string, unknown>) => string]> = [
      ['objects', (v) => String(v.object_id)], ['detections', (v) => String(v.alert_id)],
      ['nondetections', (v) => `${v.object_id}:${v.mjd}:${v.band}:${v.kind}`],
    ];
    for (const [stream, key] of streams) expect(keys(crashed, stream, key), stream).toEqual(keys(clean, stream, key));
  }, 240_000);

  it('decodes Rubin alerts from the Fink container too', async () => {
    const data = path.join(tmp.dir, 'lsst');
    const p = await runFiles(path.join(SHARED_DATA, 'lsst', 'real_alerts_fink'), data);
    const { totals } = p.store.counts();
    expect(totals).toMatchObject({ received: 100, decoded: 100, deadLettered: 0 });
    expect(totals.objects).toBeGreaterThan(10);
    await p.close();
    void StreamStore;
  });
});
