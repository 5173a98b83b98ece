// `--to dir:OUT`: one newline-delimited JSON file per output stream
// (OUT/annotated.jsonl, ...), appended and fsynced on flush; with Avro, also
// OUT/<stream>.avro container files written with the published schemas.

import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { AvroOutputs } from './avro-out.js';
import { streamName, toJson, type OutRecord, type OutputSink } from './sink.js';

export class DirSink implements OutputSink {
  private readonly fds = new Map<string, number>();
  private readonly pending = new Map<string, string[]>();

  constructor(readonly dir: string, private readonly instance?: string, private readonly avro?: AvroOutputs) {
    mkdirSync(dir, { recursive: true });
  }

  write(stream: string, records: readonly OutRecord[]): void {
    if (records.length === 0) return;
    const lines = this.pending.get(stream) ?? [];
    for (const r of records) lines.push(toJson(r.value));
    this.pending.set(stream, lines);
    this.avro?.write(stream, records);
  }

  async flush(): Promise<void> {
    for (const [stream, lines] of this.pending) {
      if (lines.length === 0) continue;
      let fd = this.fds.get(stream);
      if (fd === undefined) {
        fd = openSync(path.join(this.dir, `${streamName(stream, this.instance)}.jsonl`), 'a');
        this.fds.set(stream, fd);
      }
      const buf = Buffer.from(`${lines.join('\n')}\n`);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off);
      fsyncSync(fd);
    }
    this.pending.clear();
    this.avro?.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.avro?.close();
  }
}
