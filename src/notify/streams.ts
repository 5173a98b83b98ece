// Which streams an API key may subscribe to: the streams of the registry
// (GET /v1/streams, src/registry/streams.ts) the key may read. The built-in
// streams (but the dead letters, which are the operator's) are open to every
// key; a watch list's stream `watchlist-ID` to the key that owns the list; a
// filter's stream `filter-ID` to its owner, and to every key when the filter
// is public. The service takes any StreamAccess; this is the one rule.

import type { FilterStore } from '../filters/store.js';
import { BUILTIN_STREAMS } from '../registry/streams.js';
import type { WatchlistStore } from '../watch/store.js';

export interface StreamAccess {
  /** Null when `owner` may read `stream`, else why not (one line, for a 400). */
  refuse(stream: string, owner: string): string | null;
}

/** The broker's own output streams anyone may subscribe to (deadletter is the operator's). */
export const BUILT_IN_STREAMS: readonly string[] = BUILTIN_STREAMS.map((s) => s.name).filter((n) => n !== 'deadletter');

export function registryStreamAccess(watchlists: WatchlistStore, filters: FilterStore): StreamAccess {
  return {
    refuse(stream, owner) {
      if (BUILT_IN_STREAMS.includes(stream)) return null;
      const m = /^(watchlist|filter)-(.+)$/.exec(stream);
      if (m?.[1] === 'watchlist') {
        const w = watchlists.get(m[2]);
        return w && w.owner === owner ? null : `no watch list '${m[2]}' of this API key`;
      }
      if (m?.[1] === 'filter') {
        const f = filters.get(m[2]);
        return f && (f.public || f.owner === owner) ? null : `no filter '${m[2]}' of this API key or public`;
      }
      return `unknown stream (subscribable: ${BUILT_IN_STREAMS.join(', ')}, watchlist-ID of this key's watch lists, filter-ID of its filters and of public ones)`;
    },
  };
}
