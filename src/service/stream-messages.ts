// Reading a stream's messages in order with a cursor, for consumers without
// Kafka (GET /v1/streams/{name}/messages and the SSE tail /events):
//   filter-ID     the matches the stream recorded in the service's store;
//                 cursor: the match's sequence number;
//   watchlist-ID  the hits recorded there; cursor: the hit's key (opaque);
//   built-ins     in file mode, the stream's newline-delimited JSON file;
//                 cursor: the byte offset after the message. Streams the
//                 broker publishes only on Kafka are consumed there (409).
// A cursor names the last message a consumer has; `after` gives the ones
// after it. The message key is the one the Kafka record has.

import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { matchValue } from '../stream/stages/filters.js';
import { hitFields } from '../watch/hit-fields.js';
import type { ServiceContext } from './context.js';
import { BadCursor, NotPullable } from './errors.js';

export interface StreamMessage {
  cursor: string;
  key: string;
  value: Record<string, unknown>;
}

export interface MessageSource {
  /** Messages after a cursor (null: from the first one), at most limit. */
  after(cursor: string | null, limit: number): StreamMessage[];
  /** The cursor of the last message (null when there is none): a live tail starts there. */
  end(): string | null;
}

/** The key a built-in stream's record has on Kafka (the file holds only values). */
function builtinKey(stream: string, v: Record<string, unknown>): string {
  switch (stream) {
    case 'objects': return String(v.object_id);
    case 'nondetections': return `${v.object_id}:${v.mjd}:${v.band}:${v.kind}`;
    case 'deadletter': return `${v.topic}/${v.partition}@${v.offset}`;
    default: return String(v.alert_id);
  }
}

const CHUNK = 1 << 20;

/** Complete lines of a JSONL file from a byte offset: each message's cursor is the offset after its line. */
function fileSource(stream: string, file: string): MessageSource {
  return {
    end() {
      if (!existsSync(file)) return null;
      const fd = openSync(file, 'r');
      try {
        // The end of the last complete line.
        const size = fstatSync(fd).size;
        const tail = Buffer.alloc(Math.min(size, CHUNK));
        for (let end = size; end > 0;) {
          const from = Math.max(0, end - tail.length);
          const n = readSync(fd, tail, 0, end - from, from);
          const nl = tail.subarray(0, n).lastIndexOf(10);
          if (nl >= 0) return String(from + nl + 1);
          end = from;
        }
        return null;
      } finally {
        closeSync(fd);
      }
    },
    after(cursor, limit) {
      if (cursor !== null && !/^\d{1,15}$/.test(cursor)) throw new BadCursor();
      const offset = cursor === null ? 0 : Number(cursor);
      const out: StreamMessage[] = [];
      if (!existsSync(file)) return out;
      const fd = openSync(file, 'r');
      try {
        const size = fstatSync(fd).size;
        if (offset > size) throw new BadCursor();
        const buf = Buffer.alloc(CHUNK);
        let carry = Buffer.alloc(0);
        let pos = offset; // file position of the next byte to read
        while (out.length < limit && pos < size) {
          const n = readSync(fd, buf, 0, Math.min(CHUNK, size - pos), pos);
          if (n <= 0) break;
          const base = pos - carry.length; // file position of data[0]
          pos += n;
          const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
          let start = 0;
          for (let nl = data.indexOf(10, start); nl >= 0 && out.length < limit; nl = data.indexOf(10, start)) {
            const line = data.subarray(start, nl).toString('utf8');
            start = nl + 1;
            if (!line.trim()) continue;
            const value = JSON.parse(line) as Record<string, unknown>;
            out.push({ cursor: String(base + nl + 1), key: builtinKey(stream, value), value });
          }
          carry = Buffer.from(data.subarray(start));
          if (carry.length > 64 * CHUNK) break; // a line over 64 MiB is not a message
        }
      } finally {
        closeSync(fd);
      }
      return out;
    },
  };
}

/** Where a stream's messages can be read from, or a 409 naming where to consume it. */
export function messageSource(ctx: ServiceContext, stream: string): MessageSource {
  const f = /^filter-(.+)$/.exec(stream);
  if (f) {
    const id = f[1];
    return {
      end: () => {
        const s = ctx.filters.lastSeq(id);
        return s > 0 ? String(s) : null;
      },
      after(cursor, limit) {
        if (cursor !== null && !/^\d{1,15}$/.test(cursor)) throw new BadCursor();
        const name = ctx.filters.get(id)?.name ?? '';
        return ctx.filters.matchesAfter(id, cursor === null ? 0 : Number(cursor), limit).map((m) => ({ cursor: String(m.seq), key: m.alertId, value: matchValue(m, name) }));
      },
    };
  }
  const w = /^watchlist-(.+)$/.exec(stream);
  if (w) {
    const id = w[1];
    return {
      end: () => ctx.watchlists.lastHitCursor(id),
      after(cursor, limit) {
        let hits;
        try {
          hits = ctx.watchlists.hitsAfter(id, cursor, limit);
        } catch {
          throw new BadCursor();
        }
        return hits.map(({ cursor: c, hit }) => ({ cursor: c, key: hit.kind === 'region' ? `${hit.alertId}:region:${hit.target}` : `${hit.alertId}:${hit.target}`, value: { ...hitFields(hit) } }));
      },
    };
  }
  const rt = ctx.streams.runtimeOf(stream);
  if (rt?.protocol === 'kafka') throw new NotPullable(`stream '${stream}' is published on Kafka (${rt.address}): consume it there; pull and SSE serve filter and watch-list streams, and the built-in streams of a stream run writing files`);
  if (!rt) return { end: () => null, after: () => [] };
  return fileSource(stream, rt.address);
}
