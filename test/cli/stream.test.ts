// The README's first command: `skyjoin stream --from file:catalogs/samples/ztf-alerts --to dir:OUT`
// on the alerts the project ships, with no server; then the same run again
// (a resumed run) and `skyjoin stream status --json`.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const lines = (f: string) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('skyjoin stream (file mode, shipped sample alerts)', () => {
  it('runs the broker on the shipped alerts: objects, history, annotations, outputs with their Avro schemas', async () => {
    const data = path.join(tmp.dir, 'data');
    const out = path.join(tmp.dir, 'out');
    const r = await runCli(['stream', '--from', 'file:catalogs/samples/ztf-alerts', '--to', `dir:${out}`, '--data', data, '--avro']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ received: 24, decoded: 24, deadLettered: 0, duplicatesSkipped: 0, objects: 24 });
    expect(report.decoded + report.deadLettered).toBe(report.received);
    const catalogs = report.stages.annotate.annotation.catalogs;
    expect(Object.keys(catalogs).sort()).toEqual(['bsc5', 'gcvs', 'openngc']);
    for (const c of Object.values(catalogs) as Array<{ alerts_checked: number }>) expect(c.alerts_checked).toBe(24);
    const annotated = lines(path.join(out, 'annotated.jsonl'));
    expect(annotated).toHaveLength(24);
    for (const a of annotated) {
      expect(a.alert_id).toMatch(/^\d+$/);
      expect(Object.keys(a.annotations as object).sort()).toEqual(['bsc5', 'gcvs', 'openngc']);
    }
    expect(lines(path.join(out, 'detections.jsonl'))).toHaveLength(report.detections);
    // Every .avro output decodes with the schema published in schemas/ and matches its JSON twin.
    for (const stream of ['annotated', 'objects', 'detections', 'nondetections']) {
      const schema = avro.Type.forSchema(JSON.parse(readFileSync(path.join('schemas', `${stream}.avsc`), 'utf8')));
      const decoded: unknown[] = [];
      await new Promise<void>((resolve, reject) => {
        avro.createFileDecoder(path.join(out, `${stream}.avro`), { readerSchema: schema } as never).on('data', (d: unknown) => decoded.push(d)).on('end', resolve).on('error', reject);
      });
      expect(decoded.length, stream).toBe(lines(path.join(out, `${stream}.jsonl`)).length);
    }

    // The same folder again is a resumed run (the file source's progress is
    // committed with the stores): nothing is read, stored or published twice.
    const again = await runCli(['stream', '--from', 'file:catalogs/samples/ztf-alerts', '--to', `dir:${out}`, '--data', data]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ received: 24, detections: report.detections, objects: 24, duplicatesSkipped: 0 });
    expect(lines(path.join(out, 'annotated.jsonl'))).toHaveLength(24);

    const st = await runCli(['stream', 'status', '--data', data, '--json']);
    const status = JSON.parse(st.stdout);
    for (const k of ['received', 'decoded', 'deadLettered', 'detections', 'nonDetections', 'duplicatesSkipped', 'objects']) expect(status, k).toHaveProperty(k);
    expect(status.nights['20231012']).toMatchObject({ received: 24, decoded: 24, objects: 24 });
    expect(existsSync(path.join(data, 'stream', 'archive'))).toBe(true);
  }, 120_000);

  it('refuses a bad flag value with a message naming it', async () => {
    const r = await runCli(['stream', '--from', 'file:catalogs/samples/ztf-alerts', '--data', path.join(tmp.dir, 'x'), '--match-radius-arcsec', 'abc']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--match-radius-arcsec/);
    const n = await runCli(['stream', '--from', 'kafka://127.0.0.1:9', '--topic-pattern', 'ztf_programid1', '--group', 'g', '--data', path.join(tmp.dir, 'y'), '--no-annotate', '--no-watch']);
    expect(n.code).not.toBe(0);
    expect(n.stderr).toMatch(/\{date\}/);
  });
});
