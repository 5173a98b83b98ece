// Users' filters in LMDB, in the service's store next to the watch lists: the
// service writes them (/v1/filters), the alert stream reads them at every
// batch (a filter created over HTTP applies from the next batch) and records
// here what they matched, once per (filter, alert) whatever the replays, in
// the order it recorded them (a sequence number per filter: the cursor of
// GET /v1/streams/filter-ID/messages and of the SSE tail).

import { randomBytes } from 'node:crypto';
import type { Database, Key, RootDatabase } from 'lmdb';

export interface FilterRecord {
  id: string;
  owner: string;
  name: string;
  description?: string;
  expression: string;
  /** Public filters (and their streams) are readable by every key; private ones only by the owner. */
  public: boolean;
  /** 1 at creation, +1 for every change of the expression. */
  version: number;
  createdAt: string;
  updatedAt: string;
  status: 'active' | 'paused';
  /** Why it is paused: the owner asked, or repeated failures (with the last one). */
  pausedReason?: string;
  pausedAt?: string;
  /** Failures (errors and budget overruns) since this version started or was resumed. */
  failures: number;
  lastError?: string;
  lastErrorAt?: string;
}

export interface FilterVersion {
  version: number;
  expression: string;
  createdAt: string;
}

export interface MatchRecord {
  filter: string;
  version: number;
  /** Position in the filter's stream, from 1. */
  seq: number;
  alertId: string;
  objectId: string;
  surveyObjectId: string;
  survey: string;
  ra: number;
  dec: number;
  mjd: number;
  night: string;
  band: string;
  mag: number | null;
  recordedAt: string;
}

export type FilterPatch = Partial<Pick<FilterRecord, 'name' | 'description' | 'expression' | 'public'>>;

export class FilterStore {
  private readonly filters: Database<FilterRecord, string>;
  private readonly versions: Database<FilterVersion, Key>;
  /** [filter, seq] -> match, in recording order. */
  private readonly matches: Database<MatchRecord, Key>;
  /** [filter, alert id] -> seq of the one match recorded. */
  private readonly matchKeys: Database<number, Key>;

  constructor(readonly env: RootDatabase) {
    this.filters = env.openDB<FilterRecord, string>('flt.filters', {});
    this.versions = env.openDB<FilterVersion, Key>('flt.versions', {});
    this.matches = env.openDB<MatchRecord, Key>('flt.matches', {});
    this.matchKeys = env.openDB<number, Key>('flt.matchkeys', {});
  }

  /** Every filter, or one owner's. */
  list(owner?: string): FilterRecord[] {
    const out: FilterRecord[] = [];
    for (const { value } of this.filters.getRange({})) if (!owner || value.owner === owner) out.push(value);
    return out;
  }

  /** The filters a key may read: its own and the public ones. */
  visibleTo(owner: string | null): FilterRecord[] {
    return this.list().filter((f) => f.public || f.owner === owner);
  }

  /** Active filters, for the stream. */
  active(): FilterRecord[] {
    return this.list().filter((f) => f.status === 'active');
  }

  get(id: string): FilterRecord | undefined {
    return this.filters.get(id);
  }

  versionsOf(id: string): FilterVersion[] {
    return Array.from(this.versions.getRange({ start: [id], end: [`${id}\u0000`] }), ({ value }) => value);
  }

  async create(owner: string, o: { name: string; description?: string; expression: string; public?: boolean }): Promise<FilterRecord> {
    const now = new Date().toISOString();
    const f: FilterRecord = {
      id: `f_${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`, owner, name: o.name, description: o.description,
      expression: o.expression, public: o.public ?? false, version: 1, createdAt: now, updatedAt: now, status: 'active', failures: 0,
    };
    await this.env.transaction(() => {
      this.filters.put(f.id, f);
      this.versions.put([f.id, 1], { version: 1, expression: f.expression, createdAt: now });
    });
    return f;
  }

  /** Changes a filter; a new expression is a new version (failures start again from 0). */
  async update(id: string, patch: FilterPatch): Promise<FilterRecord | undefined> {
    let out: FilterRecord | undefined;
    await this.env.transaction(() => {
      const f = this.filters.get(id);
      if (!f) return;
      const clean = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as FilterPatch;
      const now = new Date().toISOString();
      out = { ...f, ...clean, updatedAt: now };
      if (clean.expression !== undefined && clean.expression !== f.expression) {
        out.version = f.version + 1;
        out.failures = 0;
        delete out.lastError;
        delete out.lastErrorAt;
        this.versions.put([id, out.version], { version: out.version, expression: clean.expression, createdAt: now });
      }
      this.filters.put(id, out);
    });
    return out;
  }

  async pause(id: string, reason: string): Promise<FilterRecord | undefined> {
    let out: FilterRecord | undefined;
    await this.env.transaction(() => {
      out = this.pauseInTxn(id, reason);
    });
    return out;
  }

  /** Pauses inside a write transaction of env. */
  pauseInTxn(id: string, reason: string): FilterRecord | undefined {
    const f = this.filters.get(id);
    if (!f) return undefined;
    const now = new Date().toISOString();
    const out: FilterRecord = { ...f, status: 'paused', pausedReason: reason, pausedAt: now, updatedAt: now };
    this.filters.put(id, out);
    return out;
  }

  /** Active again, its failure count back to 0. */
  async resume(id: string): Promise<FilterRecord | undefined> {
    let out: FilterRecord | undefined;
    await this.env.transaction(() => {
      const f = this.filters.get(id);
      if (!f) return;
      out = { ...f, status: 'active', failures: 0, updatedAt: new Date().toISOString() };
      delete out.pausedReason;
      delete out.pausedAt;
      this.filters.put(id, out);
    });
    return out;
  }

  async remove(id: string): Promise<boolean> {
    let existed = false;
    await this.env.transaction(() => {
      if (!this.filters.get(id)) return;
      existed = true;
      this.filters.remove(id);
      for (const { key } of this.versions.getRange({ start: [id], end: [`${id}\u0000`] })) this.versions.remove(key);
    });
    for (const { key } of this.matches.getRange({ start: [id], end: [`${id}\u0000`] })) await this.matches.remove(key);
    for (const { key } of this.matchKeys.getRange({ start: [id], end: [`${id}\u0000`] })) await this.matchKeys.remove(key);
    return existed;
  }

  /**
   * Counts failures of a filter's version (inside a write transaction); past
   * `limit`, pauses it with the reason. Failures of an older version (the
   * filter changed meanwhile) and of a deleted filter are dropped.
   */
  addFailuresInTxn(id: string, version: number, count: number, lastError: string, limit: number): FilterRecord | undefined {
    const f = this.filters.get(id);
    if (!f || f.version !== version || count <= 0) return f;
    const now = new Date().toISOString();
    const failures = f.failures + count;
    const out: FilterRecord = { ...f, failures, lastError, lastErrorAt: now };
    this.filters.put(id, out);
    if (f.status === 'active' && failures >= limit) return this.pauseInTxn(id, `paused after ${failures} failures; last: ${lastError}`);
    return out;
  }

  /**
   * Records a match unless this (filter, alert) has one; inside a write
   * transaction. Returns the match as stored (the first one on a replay, so
   * the same record is republished).
   */
  recordMatchOnceInTxn(m: Omit<MatchRecord, 'seq'>): { match: MatchRecord; recorded: boolean } {
    return this.recordMatchesOnceInTxn([m])[0];
  }

  /** recordMatchOnceInTxn for many matches (of any filters): each filter's last sequence number is read once. */
  recordMatchesOnceInTxn(ms: ReadonlyArray<Omit<MatchRecord, 'seq'>>): Array<{ match: MatchRecord; recorded: boolean }> {
    const last = new Map<string, number>();
    return ms.map((m) => {
      const dk = [m.filter, m.alertId];
      const seq = this.matchKeys.get(dk);
      if (seq !== undefined) {
        const old = this.matches.get([m.filter, seq]);
        if (old) return { match: old, recorded: false };
      }
      let prev = last.get(m.filter);
      if (prev === undefined) prev = this.lastSeq(m.filter);
      const rec: MatchRecord = { ...m, seq: prev + 1 };
      last.set(m.filter, rec.seq);
      this.matchKeys.put(dk, rec.seq);
      this.matches.put([m.filter, rec.seq], rec);
      return { match: rec, recorded: true };
    });
  }

  /** The sequence number of a filter's last match (0 when none). */
  lastSeq(id: string): number {
    for (const { key } of this.matches.getRange({ start: [id, Number.MAX_SAFE_INTEGER], end: [id], reverse: true, limit: 1 } as never)) return (key as [string, number])[1];
    return 0;
  }

  /** Matches after a sequence number, in order. */
  matchesAfter(id: string, afterSeq: number, limit: number): MatchRecord[] {
    return Array.from(this.matches.getRange({ start: [id, afterSeq], end: [id, Number.MAX_SAFE_INTEGER], exclusiveStart: true, limit } as never), ({ value }) => value as MatchRecord)
      .filter((m) => m.seq > afterSeq);
  }

  /** Matches recorded so far, and since an ISO time (for the registry's message counts). */
  countMatches(id: string, sinceIso: string): { total: number; since: number } {
    const total = this.lastSeq(id);
    let since = 0;
    for (const { value } of this.matches.getRange({ start: [id, Number.MAX_SAFE_INTEGER], end: [id], reverse: true } as never)) {
      if ((value as MatchRecord).recordedAt < sinceIso) break;
      since++;
    }
    return { total, since };
  }
}
