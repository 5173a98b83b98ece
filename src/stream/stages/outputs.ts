// Stage 'outputs' (last): sends what the stages emitted for the batch to the
// sink (JSON files, Kafka topics; Avro when configured), in emit order,
// waits until the sink has made it durable, and only then marks the batch's
// messages published in the checkpoint. A source commits its offsets after
// the pipeline returns, so outputs are acknowledged before the offsets move.

import type { Checkpoint } from '../checkpoint.js';
import type { OutputSink } from '../sinks/sink.js';
import type { Batch, Stage } from '../stage.js';

export class OutputsStage implements Stage {
  readonly name = 'outputs';
  constructor(private readonly sink: OutputSink, private readonly checkpoint: Checkpoint) {}

  async afterCommit(batch: Batch): Promise<void> {
    for (const [stream, records] of batch.outputs) this.sink.write(stream, records);
    await this.sink.flush();
    this.checkpoint.markPublished(batch.messages);
  }

  async close(): Promise<void> {
    await this.sink.close();
  }
}
