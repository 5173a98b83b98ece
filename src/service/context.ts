// What every route shares: the configuration, the served catalogs, the LMDB
// stores and the metrics.

import type { RootDatabase } from 'lmdb';
import type { ServedCatalog } from '../catalog/set.js';
import type { Registry, Counter, Histogram } from '../metrics/registry.js';
import type { StreamAccess } from '../notify/streams.js';
import type { SubscriptionStore } from '../notify/subscriptions.js';
import type { WatchlistStore } from '../watch/store.js';
import type { KeyStore } from './keys.js';
import type { ServiceConfig } from './options.js';
import type { UploadStore } from './uploads.js';

export interface ServiceContext {
  config: ServiceConfig;
  catalogs: Map<string, ServedCatalog>;
  env: RootDatabase;
  keys: KeyStore;
  uploads: UploadStore;
  watchlists: WatchlistStore;
  subscriptions: SubscriptionStore;
  /** Which streams a key may subscribe to (the stream registry, once wired in). */
  streams: StreamAccess;
  metrics: {
    registry: Registry;
    requests: Counter;
    latency: Histogram;
    matches: Counter;
  };
}
