// `--to dir:OUT`: one newline-delimited JSON file per output stream
// (OUT/annotated.jsonl, ...), appended and fsynced on flush; with Avro, also
// OUT/<stream>.avro container files written with the published schemas.

import { closeSync, fstatSync, fsync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import type { AvroOutputs } from './avro-out.js';
import { streamName, toJson, type OutRecord, type OutputSink } from './sink.js';

const fsyncAsync = promisify(fsync);

export class DirSink implements OutputSink {
  private readonly fds = new Map<string, number>();
  private readonly pending = new Map<string, string[]>();

  constructor(readonly dir: string, private readonly instance?: string, private readonly avro?: AvroOutputs) {
    mkdirSync(dir, { recursive: true });
  }

  write(stream: string, records: readonly OutRecord[]): void {
    if (records.length === 0) return;
    this.avro?.write(stream, records); // first: a record Avro refuses is in neither output
    const lines = this.pending.get(stream) ?? [];
    for (const r of records) lines.push(toJson(r.value));
    this.pending.set(stream, lines);
  }

  where(stream: string): { protocol: 'file'; address: string } {
    return { protocol: 'file', address: path.join(this.dir, `${streamName(stream, this.instance)}.jsonl`) };
  }

  async flush(): Promise<void> {
    const written: number[] = [];
    for (const [stream, lines] of this.pending) {
      if (lines.length === 0) continue;
      let fd = this.fds.get(stream);
      if (fd === undefined) {
        fd = openSync(path.join(this.dir, `${streamName(stream, this.instance)}.jsonl`), 'a+');
        dropTornTail(fd);
        this.fds.set(stream, fd);
      }
      const buf = Buffer.from(`${lines.join('\n')}\n`);
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off);
      written.push(fd);
    }
    this.pending.clear();
    // The files' syncs overlap (libuv's thread pool) instead of waiting one after another.
    await Promise.all(written.map((fd) => fsyncAsync(fd)));
    this.avro?.flush();
  }

  async close(): Promise<void> {
    await this.flush();
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
    this.avro?.close();
  }
}

/**
 * A run killed mid-write can leave half a line at the end of a file; those
 * records were not marked published and come again, so the torn tail goes.
 */
function dropTornTail(fd: number): void {
  const size = fstatSync(fd).size;
  if (size === 0) return;
  const buf = Buffer.alloc(Math.min(size, 1 << 16));
  let end = size;
  while (end > 0) {
    const n = Math.min(buf.length, end);
    readSync(fd, buf, 0, n, end - n);
    if (end === size && buf[n - 1] === 0x0a) return;
    const nl = buf.subarray(0, n).lastIndexOf(0x0a);
    if (nl >= 0) { ftruncateSync(fd, end - n + nl + 1); return; }
    end -= n;
  }
  ftruncateSync(fd, 0);
}
