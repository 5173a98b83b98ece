// The service's LMDB store (DATA/store): watch lists, hits, keys, jobs. Opened
// by `skyjoin serve` and by the stream's watch stage alike, so it lives here
// and not with the service: the stream must not load Fastify to open it.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { open as openLmdb } from 'lmdb';

/** Opens (or creates) the service's LMDB store in dataDir/store. */
export function openStore(dataDir: string) {
  const dir = path.join(dataDir, 'store');
  mkdirSync(dir, { recursive: true });
  return openLmdb({ path: dir, maxDbs: 64 });
}
