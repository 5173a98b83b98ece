// API keys: created by `skyjoin keys create NAME`, stored only as SHA-256
// hashes in LMDB, revocable. A key looks like sk_<id>_<secret>.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database, RootDatabase } from 'lmdb';

export interface ApiKey {
  id: string;
  name: string;
  createdAt: string;
  revokedAt?: string;
  /** Requests per minute allowed for this key (overrides the service default). */
  rateLimitPerMinute?: number;
}

interface StoredKey extends ApiKey {
  hash: string;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export class KeyStore {
  private readonly db: Database<StoredKey, string>;

  constructor(env: RootDatabase) {
    this.db = env.openDB<StoredKey, string>('keys', {});
  }

  /** Creates a key; the secret is returned once and never stored. */
  async create(name: string, rateLimitPerMinute?: number): Promise<{ key: string; record: ApiKey }> {
    if (!/^[\w.@ -]{1,100}$/.test(name)) throw new RangeError(`key name must be 1-100 letters, digits, spaces or _.@-, got '${name}'`);
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(24).toString('base64url');
    const key = `sk_${id}_${secret}`;
    const record: StoredKey = { id, name, createdAt: new Date().toISOString(), hash: sha256(key), rateLimitPerMinute };
    await this.db.put(id, record);
    const { hash: _hash, ...pub } = record;
    return { key, record: pub };
  }

  async revoke(id: string): Promise<boolean> {
    const r = this.db.get(id);
    if (!r || r.revokedAt) return false;
    await this.db.put(id, { ...r, revokedAt: new Date().toISOString() });
    return true;
  }

  list(): ApiKey[] {
    return Array.from(this.db.getRange({}), ({ value }) => {
      const { hash: _hash, ...pub } = value;
      return pub;
    });
  }

  /** The key's record when the secret is valid and not revoked. */
  verify(key: string): ApiKey | null {
    const m = /^sk_([0-9a-f]{12})_[\w-]{20,64}$/.exec(key);
    if (!m) return null;
    const r = this.db.get(m[1]);
    if (!r || r.revokedAt) return null;
    const a = Buffer.from(sha256(key), 'hex'), b = Buffer.from(r.hash, 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    const { hash: _hash, ...pub } = r;
    return pub;
  }
}
