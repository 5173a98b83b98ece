// An output sink that tells the stream registry what it wrote: per stream,
// messages written (per UTC day and in total) and where they went, recorded in
// the service's store after each flush (so GET /v1/streams shows counts and
// addresses). The counts are of messages written, a replay's repeats included.

import type { StreamRegistry } from '../../registry/streams.js';
import type { OutRecord, OutputSink } from './sink.js';

export class RegisteredSink implements OutputSink {
  private readonly written = new Map<string, number>();
  // The last batch's registry write: not waited for at its own flush (the
  // counts are informational, and lmdb-js then commits it together with the
  // next write to the store), but at the next one and at close, so a failure
  // still surfaces and at most one is in flight.
  private inFlight: Promise<void> = Promise.resolve();
  private failed: Error | null = null;

  constructor(private readonly inner: OutputSink, private readonly registry: StreamRegistry) {}

  write(stream: string, records: readonly OutRecord[]): void {
    this.inner.write(stream, records);
    if (records.length) this.written.set(stream, (this.written.get(stream) ?? 0) + records.length);
  }

  where(stream: string): { protocol: 'kafka' | 'file'; address: string } {
    return this.inner.where?.(stream) ?? { protocol: 'file', address: '' };
  }

  async flush(): Promise<void> {
    await this.inner.flush();
    await this.settle();
    if (this.written.size === 0) return;
    const batch = new Map(this.written);
    this.written.clear();
    this.inFlight = this.registry.recordWrites(batch, (s) => this.where(s)).catch((err: Error) => { this.failed = err; });
  }

  private async settle(): Promise<void> {
    await this.inFlight;
    if (this.failed) throw new Error(`stream registry: ${this.failed.message}`);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.settle();
    await this.inner.close();
  }
}
