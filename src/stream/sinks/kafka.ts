// `--to kafka://HOST:PORT`: each output stream is a topic (suffixed by the
// instance tag), produced with acks from all in-sync replicas; flush() waits
// for every acknowledgement, and the caller commits its input offsets only
// after that.

import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { KafkaAuth } from '../kafka/auth-config.js';
import type { AvroOutputs } from './avro-out.js';
import { streamName, toJson, type OutRecord, type OutputSink } from './sink.js';

export class KafkaSink implements OutputSink {
  private readonly producer: Producer;
  private readonly pending: Array<{ stream: string; topic: string; records: readonly OutRecord[] }> = [];
  private connected: Promise<void>;

  constructor(private readonly brokers: string[], private readonly instance?: string, private readonly avro?: AvroOutputs, clientId = 'skyjoin-stream', auth?: KafkaAuth) {
    const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 30 }, ...auth?.kafkajs() });
    this.producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner, idempotent: false });
    this.connected = this.producer.connect();
  }

  where(stream: string): { protocol: 'kafka'; address: string } {
    return { protocol: 'kafka', address: `kafka://${this.brokers.join(',')}/${streamName(stream, this.instance)}` };
  }

  write(stream: string, records: readonly OutRecord[]): void {
    if (records.length === 0) return;
    this.pending.push({ stream, topic: streamName(stream, this.instance), records: [...records] });
  }

  // Values are encoded here, not in write(): an Avro schema may first need
  // registering (async), e.g. for a watch list created during the run.
  private async messages(stream: string, records: readonly OutRecord[]): Promise<Array<{ key: string; value: Buffer | string; headers: Record<string, string> }>> {
    if (!this.avro) return records.map((r) => ({ key: r.key, value: toJson(r.value), headers: { 'content-type': 'application/json' } }));
    await this.avro.ready?.(stream);
    const encoded = this.avro.encode(stream, records)!;
    const headers = { 'content-type': 'application/avro', 'skyjoin-schema': this.avro.schemaName(stream) };
    return records.map((r, i) => ({ key: r.key, value: encoded[i], headers }));
  }

  async flush(): Promise<void> {
    await this.connected;
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.pending.length);
      const topicMessages = [];
      for (const p of batch) topicMessages.push({ topic: p.topic, messages: await this.messages(p.stream, p.records) });
      await this.producer.sendBatch({ topicMessages, acks: -1 });
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.producer.disconnect();
  }
}
