// Where the stream's outputs go: newline-delimited JSON files in a folder
// (file mode, `--to dir:OUT`) or Kafka topics (`--to kafka://HOST:PORT`).
// Every output record carries a key (compacted topics keep the latest value
// per key) and 64-bit ids as strings.

export interface OutRecord {
  key: string;
  value: Record<string, unknown>;
}

export interface OutputSink {
  /** Queues records for a stream (annotated, objects, detections, nondetections, deadletter, watchlist-ID, filter-ID). */
  write(stream: string, records: readonly OutRecord[]): void;
  /** Where a stream's records go (for the stream registry). */
  where?(stream: string): { protocol: 'kafka' | 'file'; address: string };
  /** Resolves once everything written so far is durable (files synced, Kafka acknowledged). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** JSON with bigint as decimal strings (exact 64-bit ids). */
export function toJson(v: unknown): string {
  // A replacer runs for every key; output values are built with ids as
  // strings and references instead of bytes, so try without one and fall
  // back only when a bigint slips through (JSON.stringify throws on it).
  try {
    return JSON.stringify(v);
  } catch {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? undefined : x));
  }
}

/** Output stream name to Kafka topic / file name, suffixed by the instance tag. */
export function streamName(stream: string, instance?: string): string {
  return instance ? `${stream}-${instance}` : stream;
}
