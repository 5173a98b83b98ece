// A test instance's life cycle: what `skyjoin stream --instance TAG` makes
// (output topics `<stream>-TAG`, consumer groups `<group>-TAG`, the store
// folder DATA/stream-TAG) is made ahead with createInstance and removed with
// deleteInstance. A manifest in the store folder (instance.json) names the
// extra topics made for the instance (e.g. a replay's input topic), so that
// delete removes them too. Nothing here acts without a tag: production (no
// tag) cannot be deleted through it.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { streamName } from '../sinks/sink.js';
import { StreamStore } from '../store.js';
import type { KafkaAuth } from './auth-config.js';
import { KafkaConnectError, checkKafka, kafkaFailure } from './connect-check.js';

/** The output streams every run writes (watch lists add `watchlist-<id>` streams). */
export const OUTPUT_STREAMS = ['annotated', 'objects', 'detections', 'nondetections', 'deadletter'] as const;
const TAG = /^[A-Za-z0-9_.-]{1,64}$/;

export class InstanceError extends Error {
  override name = 'InstanceError';
}

export interface InstanceManifest {
  instance: string;
  createdAt: string;
  brokers: string[];
  /** Topics made for the instance, with their partition counts. */
  topics: Record<string, number>;
}

export interface InstanceKafka {
  brokers: string[];
  auth: KafkaAuth;
}

export function checkTag(tag: string | undefined): string {
  if (tag === undefined || tag === '') throw new InstanceError('refusing to act without --instance TAG: only a tagged test instance can be created or deleted, never production');
  if (!TAG.test(tag)) throw new InstanceError(`--instance must be 1-64 of [A-Za-z0-9_.-], got '${tag}'`);
  return tag;
}

function manifestPath(dataDir: string, tag: string): string {
  return path.join(StreamStore.at(dataDir, tag).dir, 'instance.json');
}

async function withAdmin<T>(k: InstanceKafka, f: (admin: Admin) => Promise<T>): Promise<T> {
  await checkKafka(k.brokers, k.auth, 'skyjoin-instance');
  const kafka = new Kafka({ clientId: 'skyjoin-instance', brokers: k.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1 }, requestTimeout: k.auth.setupTimeoutMs, ...k.auth.kafkajs() });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await f(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Why an admin call failed, in one line ("the cluster has no CreateTopics" on brokers without it). */
function adminFailure(err: unknown, k: InstanceKafka): string {
  const m = (err as Error).message ?? String(err);
  if (/not found in the cached metadata|does not support the requested API version/i.test(m)) return `the cluster does not offer this admin request (${m})`;
  return kafkaFailure(err, k.brokers, k.auth).line;
}

/**
 * Makes the store folder and the manifest, then (with Kafka) the output
 * topics and `extraTopics`; topics that exist already are kept. Returns the
 * manifest.
 */
export async function createInstance(dataDir: string, tagIn: string | undefined, o: { kafka?: InstanceKafka; partitions?: number; extraTopics?: Record<string, number> } = {}): Promise<InstanceManifest> {
  const tag = checkTag(tagIn);
  const store = StreamStore.at(dataDir, tag);
  await store.close();
  const topics: Record<string, number> = {};
  for (const s of OUTPUT_STREAMS) topics[streamName(s, tag)] = o.partitions ?? 1;
  Object.assign(topics, o.extraTopics ?? {});
  const manifest: InstanceManifest = { instance: tag, createdAt: new Date().toISOString(), brokers: o.kafka?.brokers ?? [], topics: o.kafka ? topics : {} };
  writeFileSync(manifestPath(dataDir, tag), `${JSON.stringify(manifest, null, 2)}\n`);
  if (o.kafka) {
    const k = o.kafka;
    await withAdmin(k, async (admin) => {
      try {
        await admin.createTopics({ waitForLeaders: true, topics: Object.entries(topics).map(([topic, numPartitions]) => ({ topic, numPartitions })) });
      } catch (err) {
        throw new InstanceError(`instance '${tag}': store made, topics ${Object.keys(topics).join(', ')} not created: ${adminFailure(err, k)}`);
      }
    });
  }
  return manifest;
}

export interface DeleteReport {
  instance: string;
  topicsDeleted: string[];
  groupsDeleted: string[];
  storeDeleted: string | null;
}

/**
 * With Kafka: deletes the instance's topics (the manifest's, and every
 * `<output stream>-TAG` and `watchlist-*-TAG` on the cluster) and its
 * consumer groups (`*-TAG`). Then the store folder. When Kafka refuses, the
 * store is kept (its manifest lets a rerun finish) and the error names what
 * is left.
 */
export async function deleteInstance(dataDir: string, tagIn: string | undefined, o: { kafka?: InstanceKafka } = {}): Promise<DeleteReport> {
  const tag = checkTag(tagIn);
  const dir = StreamStore.at(dataDir, tag).dir;
  const mp = manifestPath(dataDir, tag);
  const manifest: InstanceManifest | null = existsSync(mp) ? JSON.parse(readFileSync(mp, 'utf8')) as InstanceManifest : null;
  const report: DeleteReport = { instance: tag, topicsDeleted: [], groupsDeleted: [], storeDeleted: null };
  if (o.kafka) {
    const k = o.kafka;
    const suffix = `-${tag}`;
    const ours = (t: string) => t.endsWith(suffix) && (OUTPUT_STREAMS.some((s) => t === streamName(s, tag)) || /^watchlist-.+$/.test(t.slice(0, -suffix.length)));
    await withAdmin(k, async (admin) => {
      const all = await admin.listTopics();
      const topics = all.filter((t) => ours(t) || (manifest?.topics && t in manifest.topics));
      let groups: string[];
      try {
        groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.endsWith(suffix));
      } catch (err) {
        throw new InstanceError(`instance '${tag}': consumer groups not listed, nothing deleted (store ${dir} kept): ${adminFailure(err, k)}`);
      }
      if (topics.length) {
        try {
          await admin.deleteTopics({ topics });
        } catch (err) {
          throw new InstanceError(`instance '${tag}': topics ${topics.join(', ')} not deleted (store ${dir} kept): ${adminFailure(err, k)}`);
        }
      }
      report.topicsDeleted = topics;
      if (groups.length) {
        try {
          await admin.deleteGroups(groups);
        } catch (err) {
          throw new InstanceError(`instance '${tag}': topics deleted; consumer groups ${groups.join(', ')} not deleted (store ${dir} kept): ${adminFailure(err, k)}`);
        }
      }
      report.groupsDeleted = groups;
    }).catch((err: unknown) => {
      if (err instanceof InstanceError || err instanceof KafkaConnectError) throw err;
      throw new InstanceError(`instance '${tag}': ${adminFailure(err, k)} (store ${dir} kept)`);
    });
  }
  if (existsSync(dir)) {
    rmSync(dir, { recursive: true, force: true });
    report.storeDeleted = dir;
  }
  return report;
}
