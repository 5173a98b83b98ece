// A stage of one's own, in this one file: it tallies the stored alerts per
// band in its own LMDB database (inside the batch's transaction), tags each
// alert, and publishes a 'tally' output stream. Added by passing a stage
// list; run on real ZTF alerts from files, stores on disk.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { alertStages, StreamPipeline, type PipelineParts } from '../../src/stream/pipeline.js';
import type { Batch, BatchAlert, Stage, StageTxn } from '../../src/stream/stage.js';
import { DirSink } from '../../src/stream/sinks/dir.js';
import { fileBatches } from '../../src/stream/sources/file.js';
import type { StreamStore } from '../../src/stream/store.js';
import { dumpStream } from '../support/stream-dump.js';
import { SHARED_DATA } from '../support/vectors.js';
import { tempDir } from '../support/tmp.js';

const ZTF = path.join(SHARED_DATA, 'ztf', 'alerts');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** The trivial stage: alerts stored per band, kept with the batch. */
class BandTally implements Stage {
  readonly name = 'band-tally';
  private readonly db: Database<number, string>;
  private seen = 0;

  constructor(store: StreamStore) {
    this.db = store.env.openDB<number, string>('band-tally', {});
  }

  alertInTxn(a: BatchAlert, _batch: Batch, _txn: StageTxn): void {
    if (a.status !== 'new') return; // a duplicate was counted when it was stored
    const n = (this.db.get(a.alert.band) ?? 0) + 1;
    this.db.put(a.alert.band, n);
    a.extra = { ...a.extra, bandTally: n };
  }

  afterCommit(batch: Batch): void {
    const tagged = batch.alerts.filter((a) => a.extra?.bandTally !== undefined);
    this.seen += tagged.length;
    batch.emit('tally', tagged.map((a) => ({
      key: a.alert.alertId.toString(),
      value: { alert_id: a.alert.alertId.toString(), band: a.alert.band, object_id: String(a.object.id), n_in_band: a.extra!.bandTally },
    })));
  }

  tally(): Record<string, number> {
    return Object.fromEntries(Array.from(this.db.getRange({}), ({ key, value }) => [key, value]));
  }

  report(): Record<string, unknown> {
    return { alerts: this.seen };
  }
}

/** The standard list with the tally just before the outputs. */
function withTally(parts: PipelineParts, made: BandTally[]): Stage[] {
  const list = alertStages(parts);
  const tally = new BandTally(parts.store);
  made.push(tally);
  return [...list.slice(0, -1), tally, list[list.length - 1]];
}

async function run(dataDir: string, stages?: (p: PipelineParts) => Stage[]): Promise<StreamPipeline> {
  const p = new StreamPipeline({ dataDir, sink: new DirSink(path.join(dataDir, 'out')), stages });
  await p.recover();
  for (const b of fileBatches(ZTF, 50)) await p.handle(b);
  return p;
}

/** The values of an output file (OUT/<stream>.jsonl holds one value per line). */
const jsonl = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, string>);

describe('a stage added in one file', () => {
  it('runs in the batch: its store writes commit with it, its records go out, the rest is unchanged', async () => {
    const made: BandTally[] = [];
    const data = path.join(tmp.dir, 'tally');
    const p = await run(data, (parts) => withTally(parts, made));
    expect(p.stages.map((s) => s.name)).toEqual(['decode', 'objects', 'history', 'archive', 'band-tally', 'outputs']);
    const tally = made[0];
    const { totals } = p.store.counts();
    const stored = totals.decoded - totals.duplicatesSkipped;
    expect(stored).toBe(260);
    // The tally equals the alerts stored as alerts, per band, read back from the stream store.
    const byBand: Record<string, number> = {};
    for (const { value } of p.store.detections.getRange({})) if (value.from === 'alert') byBand[value.band] = (byBand[value.band] ?? 0) + 1;
    expect(tally.tally()).toEqual(byBand);
    expect(Object.values(byBand).reduce((x, y) => x + y, 0)).toBe(stored);
    // One record per stored alert, with the object the objects stage chose.
    const recs = jsonl(path.join(data, 'out', 'tally.jsonl'));
    expect(recs).toHaveLength(stored);
    expect(new Set(recs.map((r) => r.alert_id)).size).toBe(stored);
    for (const r of recs) expect(r.object_id).toBe(String(p.store.detections.get(r.alert_id)!.objectId));
    expect(p.outputs.tally).toBe(stored);
    expect(p.report()).toEqual({ 'band-tally': { alerts: stored } });
    await p.close();

    // The same files again: every message is below the checkpoint, so no transaction and no new tally.
    const again = await run(data, (parts) => withTally(parts, made));
    expect(made[1].tally()).toEqual(byBand);
    expect(made[1].report()).toEqual({ alerts: 0 });
    await again.close();

    // Without the stage, the stream's stores are the same.
    const plain = path.join(tmp.dir, 'plain');
    await (await run(plain)).close();
    expect(await dumpStream(data)).toEqual(await dumpStream(plain));
  });

  it('refuses two stages of one name', () => {
    const dataDir = path.join(tmp.dir, 'twice');
    const make = () => new StreamPipeline({ dataDir, sink: new DirSink(path.join(dataDir, 'out')), stages: (parts) => [...alertStages(parts), ...alertStages(parts).slice(0, 1)] });
    expect(make).toThrow("two pipeline stages are named 'decode'");
  });
});
