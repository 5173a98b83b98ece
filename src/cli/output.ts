// Buffered text output to a file or stdout, written in large chunks.

import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

export class TextSink {
  private parts: string[] = [];
  private size = 0;
  private readonly stream: WriteStream | NodeJS.WriteStream;

  constructor(path?: string) {
    this.stream = path && path !== '-' ? createWriteStream(path) : process.stdout;
  }

  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= 1 << 16) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.stream !== process.stdout) {
      const s = this.stream as WriteStream;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.end(resolve);
      });
    }
  }
}

/** A CSV field: quoted when it holds a comma, quote or line break. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}
