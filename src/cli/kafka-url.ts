// kafka://HOST:PORT[,HOST:PORT]/TOPIC[,TOPIC] as given to --from and --to.

import { UsageError } from './errors.js';

export function parseKafkaUrl(url: string, needTopics: boolean): { brokers: string[]; topics: string[] } {
  const m = /^kafka:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) throw new UsageError(`expected kafka://HOST:PORT[,HOST:PORT]/TOPIC[,TOPIC], got '${url}'`);
  const brokers = m[1].split(',').filter(Boolean);
  const topics = (m[2] ?? '').split(',').filter(Boolean);
  if (needTopics && topics.length === 0) throw new UsageError(`no topic in '${url}': kafka://HOST:PORT/TOPIC`);
  for (const b of brokers) if (!/^[^:]+:\d+$/.test(b)) throw new UsageError(`broker must be HOST:PORT, got '${b}'`);
  return { brokers, topics };
}
