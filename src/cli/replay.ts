// skyjoin replay --from PATH --to kafka://HOST:PORT/TOPIC [--rate N] [--multiply K] [--partitions P]

import { DEFAULT_SPACING_ARCSEC } from '../stream/replay/multiply.js';
import { DEFAULT_REGION_ORDER } from '../stream/replay/partition.js';
import { gridSide } from '../stream/replay/rotation.js';
import { choiceFlag, numberFlag, optionalString, parse, requireString } from './args.js';
import { CliError, UsageError } from './errors.js';
import { parseKafkaUrl } from './kafka-url.js';

const USAGE = `usage: skyjoin replay --from PATH --to kafka://HOST:PORT/TOPIC [options]
Replays real alert files (a folder of .avro files, searched recursively, or one file) to Kafka,
one message per alert in the format it came in (ZTF: a one-record Avro container with its schema).
options:
  --rate N                messages per second overall (default 0: as fast as the broker takes them);
                          with --limit up to 50,000, every message is made before the clock starts
  --multiply K            K = n x n copies of each alert on an n x n grid around it (1, 4, 9, ..., 2025),
                          fresh ids (deterministic: a rerun gives the same ids), history moved along;
                          copy 0 is the original alert, unchanged (default 1)
  --spacing-arcsec S      grid spacing (default ${DEFAULT_SPACING_ARCSEC})
  --partitions P          explicit partition = HEALPix region pixel mod P (the topic needs >= P partitions);
                          without it, the region key is hashed by the client
  --region-order R        HEALPix NESTED order of the regions (default ${DEFAULT_REGION_ORDER})
  --strip-cutouts         drop the image stamps (null), for smaller messages
  --compression none|gzip produce-request compression (default none)
  --limit N               stop after N messages
  --batch N               messages per produce request (default 500)
  --retries N             producer retries before giving up (default 8)
  --lsst-schemas DIR      Rubin .avsc folder, for Confluent-framed input files
  --kafka-config FILE     librdkafka-style properties for TLS/SASL (security.protocol, sasl.mechanism,
                          sasl.username, sasl.password, ssl.ca.location, ...); SKYJOIN_KAFKA_* override it
Prints progress (JSON lines) to stderr and the final figures as JSON to stdout.`;

export async function replayCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    from: { type: 'string' }, to: { type: 'string' }, rate: { type: 'string' }, multiply: { type: 'string' },
    'spacing-arcsec': { type: 'string' }, partitions: { type: 'string' }, 'region-order': { type: 'string' },
    'strip-cutouts': { type: 'boolean' }, compression: { type: 'string' }, limit: { type: 'string' },
    batch: { type: 'string' }, retries: { type: 'string' }, 'lsst-schemas': { type: 'string' }, 'kafka-config': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, USAGE);
  if (values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const from = requireString(values, 'from', USAGE);
  const to = requireString(values, 'to', USAGE);
  if (!to.startsWith('kafka://')) throw new UsageError(`--to must be kafka://HOST:PORT/TOPIC, got '${to}'`);
  const { brokers, topics } = parseKafkaUrl(to, true);
  if (topics.length !== 1) throw new UsageError(`--to names one topic, got ${topics.length}: '${to}'`);
  const multiply = numberFlag(values, 'multiply', { min: 1, max: 1_000_000, integer: true, def: 1 }, USAGE);
  try {
    gridSide(multiply);
  } catch (err) {
    throw new UsageError(`--${(err as Error).message}`);
  }
  const partitions = numberFlag(values, 'partitions', { min: 1, max: 100_000, integer: true }, USAGE);
  const limit = numberFlag(values, 'limit', { min: 1, integer: true }, USAGE);
  // kafkajs and the decoders are loaded once the flags are known to be good.
  const { ReplayError, replayAlerts } = await import('../stream/replay/producer.js');
  const { loadKafkaAuth } = await import('../stream/kafka/auth-config.js');
  const auth = loadKafkaAuth(optionalString(values, 'kafka-config'));
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const report = await replayAlerts({
      from, brokers, auth, topic: topics[0], multiply,
      rate: numberFlag(values, 'rate', { min: 0, def: 0 }, USAGE),
      spacingArcsec: numberFlag(values, 'spacing-arcsec', { min: 0.001, max: 3600, def: DEFAULT_SPACING_ARCSEC }, USAGE),
      partitions: Number.isNaN(partitions) ? undefined : partitions,
      regionOrder: numberFlag(values, 'region-order', { min: 0, max: 12, integer: true, def: DEFAULT_REGION_ORDER }, USAGE),
      stripCutouts: values['strip-cutouts'] === true,
      compression: choiceFlag(values, 'compression', ['none', 'gzip'] as const, 'none'),
      limit: Number.isNaN(limit) ? undefined : limit,
      batchMessages: numberFlag(values, 'batch', { min: 1, max: 100_000, integer: true, def: 500 }, USAGE),
      retries: numberFlag(values, 'retries', { min: 0, max: 100, integer: true, def: 8 }, USAGE),
      lsstSchemas: optionalString(values, 'lsst-schemas'),
      signal: ac.signal,
      onProgress: (p) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg: 'replay', ...p })}\n`),
    });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.interrupted ? 130 : 0;
  } catch (err) {
    if (err instanceof ReplayError) throw new CliError(err.message);
    throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
