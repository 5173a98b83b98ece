// skyjoin stream instance create|delete: a test instance's store is made and
// removed, production's never; delete refuses without a tag. The mock
// cluster has no CreateTopics, DeleteTopics, ListGroups or DeleteGroups
// (tools/kafka-mock/README.md), so against it the Kafka part must fail with
// one line saying so, and delete must then keep the store for a rerun.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamStore } from '../../src/stream/store.js';
import { runCli } from '../support/cli.js';
import { startKafkaMock, type KafkaMock } from '../support/kafka-mock.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
let mock: KafkaMock;

beforeAll(async () => {
  mock = await startKafkaMock({ topics: { alerts: 1 } });
}, 60_000);
afterAll(async () => {
  await mock?.stop();
  tmp.cleanup();
});

describe('stream instance', () => {
  it('create makes the store and its manifest; delete removes it; production is never touched', async () => {
    const data = path.join(tmp.dir, 'data');
    await StreamStore.at(data).close(); // production's store
    const prod = StreamStore.at(data).dir;
    for (const argv of [['stream', 'instance', 'delete', '--data', data], ['stream', 'instance', 'delete', '--data', data, '--instance', ''], ['stream', 'instance', 'create', '--data', data]]) {
      const r = await runCli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^skyjoin stream: refusing to (delete|create) without --instance TAG: only a tagged test instance can be (deleted|created), never production\n$/);
    }
    expect((await runCli(['stream', 'instance', 'delete', '--data', data, '--instance', '../x'])).stderr).toMatch(/--instance must be 1-64 of \[A-Za-z0-9_.-\]/);

    const c = await runCli(['stream', 'instance', 'create', '--data', data, '--instance', 't1']);
    expect(c.code, c.stderr).toBe(0);
    const dir = StreamStore.at(data, 't1').dir;
    expect(existsSync(path.join(dir, 'instance.json'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(dir, 'instance.json'), 'utf8'))).toMatchObject({ instance: 't1', topics: {} });

    const d = await runCli(['stream', 'instance', 'delete', '--data', data, '--instance', 't1']);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toEqual({ instance: 't1', topicsDeleted: [], groupsDeleted: [], storeDeleted: dir });
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(prod)).toBe(true);
  });

  it('says in one line what a cluster without the admin requests could not do, and keeps the store', async () => {
    const data = path.join(tmp.dir, 'data2');
    const c = await runCli(['stream', 'instance', 'create', '--data', data, '--instance', 't2', '--kafka', `kafka://${mock.bootstrap[0]}`, '--topic', 'alerts-t2:2']);
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/^skyjoin stream: instance 't2': store made, topics annotated-t2, objects-t2, detections-t2, nondetections-t2, deadletter-t2, alerts-t2 not created: the cluster does not offer this admin request \(.*\)\n$/);
    const dir = StreamStore.at(data, 't2').dir;
    expect(JSON.parse(readFileSync(path.join(dir, 'instance.json'), 'utf8')).topics).toMatchObject({ 'objects-t2': 1, 'alerts-t2': 2 });
    const d = await runCli(['stream', 'instance', 'delete', '--data', data, '--instance', 't2', '--kafka', `kafka://${mock.bootstrap[0]}`]);
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(new RegExp(`^skyjoin stream: instance 't2': consumer groups not listed, nothing deleted \\(store ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} kept\\): the cluster does not offer this admin request`));
    expect(existsSync(dir)).toBe(true);
  });
});
