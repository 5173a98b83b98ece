// What every route shares: the configuration, the served catalogs, the LMDB
// stores and the metrics.

import type { RootDatabase } from 'lmdb';
import type { ServedCatalog } from '../catalog/set.js';
import type { Registry, Counter, Histogram } from '../metrics/registry.js';
import type { Links } from '../objects/links.js';
import type { ReadModel } from '../objects/read-model.js';
import type { FilterStore } from '../filters/store.js';
import type { StreamRegistry } from '../registry/streams.js';
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
  /** The stream's stores, read-only (objects, light curves, alerts, cutouts). */
  objects: ReadModel;
  /** Links from the configured public URL (absent: each request's own URL). */
  links?: Links;
  filters: FilterStore;
  /** The stream registry: each output stream's address, counts, title. */
  streams: StreamRegistry;
  subscriptions: SubscriptionStore;
  /** Which streams a key may subscribe to (src/notify/streams.ts, over the registry's streams). */
  streamAccess: StreamAccess;
  metrics: {
    registry: Registry;
    requests: Counter;
    latency: Histogram;
    matches: Counter;
  };
}
