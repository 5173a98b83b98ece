// The stream registry's own records, in the service's LMDB store: what the
// alert stream tells about each output stream it writes (protocol, address,
// message counts per UTC day and in total), and the titles and descriptions
// owners give their streams. GET /v1/streams joins them with the built-in
// streams below, the watch lists and the filters (service/routes/streams.ts).

import type { Database, Key, RootDatabase } from 'lmdb';

export interface BuiltinStream {
  name: string;
  title: string;
  description: string;
}

/** The streams every broker publishes (schemas/README.md describes their records). */
export const BUILTIN_STREAMS: BuiltinStream[] = [
  { name: 'annotated', title: 'Annotated alerts', description: 'Every alert, with its object and each catalog\'s matches (nearest source, separation, columns, ellipse distance). Key: alert id; a replay republishes with status "repeat".' },
  { name: 'objects', title: 'Objects', description: 'An object each time an alert creates or changes it: mean position, aliases, detection count, first/last time, latest magnitude per band. Key: object id.' },
  { name: 'detections', title: 'Detections', description: 'Each new detection, from its own alert or first seen in a later alert\'s history. Key: alert id.' },
  { name: 'nondetections', title: 'Forced photometry and non-detections', description: 'Upper limits and forced photometry, each written once. Key: object:mjd:band:kind.' },
  { name: 'deadletter', title: 'Dead letters', description: 'Input that could not be decoded or failed validation, with the reason and the original bytes (base64). Key: topic/partition@offset.' },
];

export interface StreamRuntime {
  /** 'kafka' (a topic) or 'file' (newline-delimited JSON). */
  protocol: 'kafka' | 'file';
  /** The topic (with the brokers) or the file path. */
  address: string;
  firstAt: string;
  lastAt: string;
}

export interface StreamMeta {
  title?: string;
  description?: string;
  updatedAt: string;
}

/** UTC day of an ISO time: the key of a day's count. */
export const dayOf = (iso: string): string => iso.slice(0, 10);

export class StreamRegistry {
  private readonly meta: Database<StreamMeta, string>;
  private readonly runtime: Database<StreamRuntime, string>;
  /** [stream, 'total'] and [stream, 'day', YYYY-MM-DD] -> messages written. */
  private readonly counts: Database<number, Key>;

  constructor(readonly env: RootDatabase) {
    this.meta = env.openDB<StreamMeta, string>('reg.meta', {});
    this.runtime = env.openDB<StreamRuntime, string>('reg.runtime', {});
    this.counts = env.openDB<number, Key>('reg.counts', {});
  }

  /** Records a batch's writes: messages per stream and where each stream goes (one transaction). */
  async recordWrites(written: ReadonlyMap<string, number>, where: (stream: string) => { protocol: 'kafka' | 'file'; address: string }): Promise<void> {
    if (written.size === 0) return;
    const now = new Date().toISOString();
    const day = dayOf(now);
    await this.env.transaction(() => {
      for (const [stream, n] of written) {
        const w = where(stream);
        const r = this.runtime.get(stream);
        this.runtime.put(stream, { protocol: w.protocol, address: w.address, firstAt: r?.firstAt ?? now, lastAt: now });
        this.counts.put([stream, 'total'], (this.counts.get([stream, 'total']) ?? 0) + n);
        this.counts.put([stream, 'day', day], (this.counts.get([stream, 'day', day]) ?? 0) + n);
      }
    });
  }

  runtimeOf(stream: string): StreamRuntime | undefined {
    return this.runtime.get(stream);
  }

  /** Messages written to a stream: today (UTC) and in total. */
  messageCounts(stream: string, now = new Date()): { today: number; total: number } {
    return { today: this.counts.get([stream, 'day', dayOf(now.toISOString())]) ?? 0, total: this.counts.get([stream, 'total']) ?? 0 };
  }

  metaOf(stream: string): StreamMeta | undefined {
    return this.meta.get(stream);
  }

  async setMeta(stream: string, patch: { title?: string; description?: string }): Promise<StreamMeta> {
    let out!: StreamMeta;
    await this.env.transaction(() => {
      const cur = this.meta.get(stream);
      out = { ...cur, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)), updatedAt: new Date().toISOString() };
      this.meta.put(stream, out);
    });
    return out;
  }

  /** Forgets a stream (its list or filter was deleted). */
  async forget(stream: string): Promise<void> {
    await this.env.transaction(() => {
      this.meta.remove(stream);
      this.runtime.remove(stream);
      for (const { key } of this.counts.getRange({ start: [stream], end: [`${stream}\u0000`] })) this.counts.remove(key);
    });
  }
}
