// `--to kafka://HOST:PORT`: each output stream is a topic (suffixed by the
// instance tag), produced with acks from all in-sync replicas; flush() waits
// for every acknowledgement, and the caller commits its input offsets only
// after that.

import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { AvroOutputs } from './avro-out.js';
import { streamName, toJson, type OutRecord, type OutputSink } from './sink.js';

export class KafkaSink implements OutputSink {
  private readonly producer: Producer;
  private readonly pending: Array<{ topic: string; messages: Array<{ key: string; value: Buffer | string; headers?: Record<string, string> }> }> = [];
  private connected: Promise<void>;

  constructor(brokers: string[], private readonly instance?: string, private readonly avro?: AvroOutputs, clientId = 'skyjoin-stream') {
    const kafka = new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 200, maxRetryTime: 5000, retries: 30 } });
    this.producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner, idempotent: false });
    this.connected = this.producer.connect();
  }

  write(stream: string, records: readonly OutRecord[]): void {
    if (records.length === 0) return;
    const topic = streamName(stream, this.instance);
    const encoded = this.avro?.encode(stream, records);
    this.pending.push({
      topic,
      messages: records.map((r, i) => {
        const headers: Record<string, string> = encoded
          ? { 'content-type': 'application/avro', 'skyjoin-schema': this.avro!.schemaName(stream) }
          : { 'content-type': 'application/json' };
        return { key: r.key, value: encoded ? encoded[i] : toJson(r.value), headers };
      }),
    });
  }

  async flush(): Promise<void> {
    await this.connected;
    while (this.pending.length) {
      const batch = this.pending.splice(0, this.pending.length);
      await this.producer.sendBatch({ topicMessages: batch, acks: -1 });
    }
  }

  async close(): Promise<void> {
    await this.flush();
    await this.producer.disconnect();
  }
}
