// Which streams an API key may subscribe to. The stream registry of the
// issue "Users' own filters on the stream, and a registry of every stream the
// broker publishes" will answer this for every stream (filters included);
// until it is wired in, the built-in streams are open to every key and a
// watch list's stream `watchlist-ID` to the key that owns the list. The
// service takes any StreamAccess, so the registry replaces this one object.

import type { WatchlistStore } from '../watch/store.js';

export interface StreamAccess {
  /** Null when `owner` may read `stream`, else why not (one line, for a 400). */
  refuse(stream: string, owner: string): string | null;
}

/** The broker's own output streams anyone may subscribe to (deadletter is the operator's). */
export const BUILT_IN_STREAMS = ['annotated', 'objects', 'detections', 'nondetections'] as const;

export function builtInStreamAccess(watchlists: WatchlistStore): StreamAccess {
  return {
    refuse(stream, owner) {
      if ((BUILT_IN_STREAMS as readonly string[]).includes(stream)) return null;
      const m = /^watchlist-(.+)$/.exec(stream);
      if (m) {
        const w = watchlists.get(m[1]);
        return w && w.owner === owner ? null : `no watch list '${m[1]}' of this API key`;
      }
      return `unknown stream (subscribable: ${BUILT_IN_STREAMS.join(', ')}, watchlist-ID of this key's watch lists)`;
    },
  };
}
