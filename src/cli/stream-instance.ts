// skyjoin stream instance create --instance TAG [--data DIR] [--kafka kafka://HOST:PORT] [--topic NAME:P,...]
// skyjoin stream instance delete --instance TAG [--data DIR] [--kafka kafka://HOST:PORT]

import { loadKafkaAuth } from '../stream/kafka/auth-config.js';
import { createInstance, deleteInstance, InstanceError, type InstanceKafka } from '../stream/kafka/instance.js';
import { numberFlag, optionalString, parse } from './args.js';
import { defaultDataDir } from './data-dir.js';
import { CliError, UsageError } from './errors.js';
import { parseKafkaUrl } from './kafka-url.js';

const USAGE = `usage: skyjoin stream instance create --instance TAG [options]
       skyjoin stream instance delete --instance TAG [options]
A test instance is what 'skyjoin stream --instance TAG' uses: topics <stream>-TAG, consumer groups
<group>-TAG and the store DATA/stream-TAG. create makes them ahead; delete removes them. Both refuse
to act without a tag, so production (no tag) cannot be deleted by mistake.
options:
  --data DIR              the stream's data folder (default $SKYJOIN_DATA or ~/.local/share/skyjoin)
  --kafka kafka://HOST:PORT   the cluster of the topics and groups (without it: the store only)
  --kafka-config FILE     TLS/SASL properties, as for 'skyjoin stream' (SKYJOIN_KAFKA_* override it)
create only:
  --partitions N          partitions of each output topic (default 1)
  --topic NAME:P[,NAME:P] more topics for the instance (e.g. a replay's input), deleted with it`;

export async function instanceCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action === '--help' || action === '-h') { process.stdout.write(`${USAGE}\n`); return 0; }
  if (action !== 'create' && action !== 'delete') throw new UsageError(`expected 'skyjoin stream instance create|delete --instance TAG', got '${action ?? ''}'`);
  const { values } = parse(rest, {
    instance: { type: 'string' }, data: { type: 'string' }, kafka: { type: 'string' }, 'kafka-config': { type: 'string' },
    partitions: { type: 'string' }, topic: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const tag = optionalString(values, 'instance');
  if (tag === undefined || tag === '') throw new UsageError(`refusing to ${action} without --instance TAG: only a tagged test instance can be ${action}d, never production`);
  const dataDir = optionalString(values, 'data') ?? defaultDataDir();
  const url = optionalString(values, 'kafka');
  let kafka: InstanceKafka | undefined;
  if (url !== undefined) {
    if (!url.startsWith('kafka://')) throw new UsageError(`--kafka must be kafka://HOST:PORT, got '${url}'`);
    kafka = { brokers: parseKafkaUrl(url, false).brokers, auth: loadKafkaAuth(optionalString(values, 'kafka-config')) };
  } else if (values['kafka-config'] !== undefined) {
    throw new UsageError('--kafka-config needs --kafka kafka://HOST:PORT');
  }
  try {
    if (action === 'create') {
      const extra: Record<string, number> = {};
      for (const t of (optionalString(values, 'topic') ?? '').split(',').filter(Boolean)) {
        const m = /^([A-Za-z0-9._-]+):(\d+)$/.exec(t);
        if (!m || Number(m[2]) < 1) throw new UsageError(`--topic must be NAME:PARTITIONS, got '${t}'`);
        extra[m[1]] = Number(m[2]);
      }
      if (Object.keys(extra).length && !kafka) throw new UsageError('--topic needs --kafka kafka://HOST:PORT');
      const partitions = numberFlag(values, 'partitions', { min: 1, max: 10_000, integer: true, def: 1 }, USAGE);
      process.stdout.write(`${JSON.stringify(await createInstance(dataDir, tag, { kafka, partitions, extraTopics: extra }), null, 2)}\n`);
    } else {
      if (values.partitions !== undefined || values.topic !== undefined) throw new UsageError('--partitions and --topic are for create');
      process.stdout.write(`${JSON.stringify(await deleteInstance(dataDir, tag, { kafka }), null, 2)}\n`);
    }
  } catch (err) {
    if (err instanceof InstanceError) throw new CliError(err.message);
    throw err;
  }
  return 0;
}
