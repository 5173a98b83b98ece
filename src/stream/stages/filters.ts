// Stage 'filters': every active users' filter of the service's store
// (DATA/store, the one /v1/filters writes) over every alert of a batch, after
// the annotate and watch stages (it reads each alert's `annotations` and
// `watchHitRefs`). Its matches are recorded in the service's store once per
// (filter, alert), in one LMDB transaction of that store committed before the
// outputs go (afterCommit, like the watch stage: the store is not the stream
// store, and the annotations and watch hits it reads are made after the
// stream store's commit), and emitted on the stream `filter-ID`, keyed by the
// alert id.
//
// Live changes: the filters are re-read at every batch on a fresh read
// snapshot, so a filter created, changed, paused or deleted over HTTP counts
// from the next batch; compiled expressions are cached by (id, version).
//
// Replays: like watch-list hits, a match is recorded once whatever the replay
// (the store's dedupe index decides inside the write transaction) and the
// record first stored is republished with the same key, so a consumer keeps
// one per key and a replay repairs an output lost before the sink's flush.
//
// Failures: an evaluation that throws, and a batch past the filter's time
// budget, count against the filter's version; at `maxFailures` it is paused
// with the reason, which GET /v1/filters/{id} shows. The stream goes on.

import type { RootDatabase } from 'lmdb';
import { evaluateBatch, type ActiveFilter, type EvaluateOptions, type FilterOutcome } from '../../filters/evaluate.js';
import { FeatureBuilder, type FilterInput } from '../../filters/features.js';
import { compileFilter } from '../../filters/language.js';
import { FilterStore, type FilterRecord, type MatchRecord } from '../../filters/store.js';
import { openStore } from '../../watch/open.js';
import type { OutRecord } from '../sinks/sink.js';
import type { Batch, BatchAlert, Stage } from '../stage.js';

/** Output stream of a filter's matches (file OUT/filter-ID.jsonl, or that topic). */
export function filterStream(id: string): string {
  return `filter-${id}`;
}

/** The published value of a match (snake_case, ids as strings): schemas/filtermatch.avsc. */
export function matchValue(m: MatchRecord, name: string): Record<string, unknown> {
  return {
    filter_id: m.filter, filter_name: name, filter_version: m.version, seq: m.seq, alert_id: m.alertId, object_id: m.objectId,
    survey_object_id: m.surveyObjectId, survey: m.survey, ra: m.ra, dec: m.dec, mjd: m.mjd, night: m.night, band: m.band,
    mag: m.mag, recorded_at: m.recordedAt,
  };
}

export interface FilterStageOptions extends EvaluateOptions {
  /** Failures (errors or budget overruns) of a version before it is paused (default 10). */
  maxFailures?: number;
}

interface Compiled {
  version: number;
  expression: string;
  filter: ActiveFilter | null;
}

export class FilterStage implements Stage {
  readonly name = 'filters';
  private readonly features = new FeatureBuilder();
  private readonly compiled = new Map<string, Compiled>();
  private readonly maxFailures: number;
  private alertsChecked = 0;
  private batches = 0;
  private evaluations = 0;
  private matchesRecorded = 0;
  private matchesRepublished = 0;
  private errors = 0;
  private overBudget = 0;
  private paused = 0;
  private featuresMs = 0;
  private evaluateMs = 0;
  private recordMs = 0;
  private filtersLastBatch = 0;

  /** `ownedEnv`: an environment this enricher opened and closes. */
  constructor(readonly store: FilterStore, private readonly opts: FilterStageOptions = {}, private readonly ownedEnv?: RootDatabase) {
    this.maxFailures = opts.maxFailures ?? 10;
  }

  /** Opens the service's store under a service data folder (`skyjoin serve --data DIR`). */
  static open(serviceDataDir: string, opts: FilterStageOptions = {}): FilterStage {
    const env = openStore(serviceDataDir);
    return new FilterStage(new FilterStore(env), opts, env);
  }

  /** The compiled form of a filter's current version (null when it no longer compiles). */
  private compile(f: FilterRecord): Compiled {
    let c = this.compiled.get(f.id);
    if (c && c.version === f.version && c.expression === f.expression) return c;
    let fn: ActiveFilter['fn'] | null = null;
    try {
      fn = compileFilter(f.expression);
    } catch {
      fn = null;
    }
    c = { version: f.version, expression: f.expression, filter: fn ? { id: f.id, owner: f.owner, version: f.version, fn } : null };
    this.compiled.set(f.id, c);
    return c;
  }

  async afterCommit(batch: Batch): Promise<void> {
    for (const [stream, recs] of await this.filterAlerts(batch.alerts)) batch.emit(stream, recs);
  }

  /** Runs every active filter over the alerts, records their matches; the match records by output stream. */
  async filterAlerts(alerts: readonly BatchAlert[]): Promise<Map<string, OutRecord[]>> {
    const byStream = new Map<string, OutRecord[]>();
    if (alerts.length === 0) return byStream;
    this.store.env.resetReadTxn();
    const records = this.store.active();
    this.filtersLastBatch = records.length;
    if (this.compiled.size > records.length * 2 + 100) this.compiled.clear();
    const active: ActiveFilter[] = [];
    const broken: FilterRecord[] = [];
    const byId = new Map<string, FilterRecord>();
    for (const f of records) {
      byId.set(f.id, f);
      const c = this.compile(f);
      if (c.filter) active.push(c.filter);
      else broken.push(f);
    }
    if (active.length === 0 && broken.length === 0) return byStream;
    const t0 = performance.now();
    const inputs: FilterInput[] = new Array(alerts.length);
    for (let i = 0; i < alerts.length; i++) inputs[i] = this.features.build(alerts[i].alert, alerts[i].object, alerts[i].annotations);
    const t1 = performance.now();
    const outcomes = evaluateBatch(active, inputs, alerts.map((a) => a.watchHitRefs), this.opts);
    const t2 = performance.now();
    this.featuresMs += t1 - t0;
    this.evaluateMs += t2 - t1;
    this.alertsChecked += alerts.length;
    this.batches++;
    for (const o of outcomes) {
      this.evaluations += o.evaluated;
      this.errors += o.errors;
      if (o.overBudget) this.overBudget++;
    }
    // Nothing to record (the usual batch for selective filters): no write transaction, no commit to wait for.
    if (broken.length === 0 && outcomes.every((o) => o.matches.length === 0 && o.errors === 0 && !o.overBudget)) {
      this.recordMs += performance.now() - t2;
      return byStream;
    }
    const recordedAt = new Date().toISOString();
    const stored: Array<{ o: FilterOutcome; results: Array<{ match: MatchRecord; recorded: boolean }> }> = [];
    await this.store.env.transaction(() => {
      for (const f of broken) {
        if (this.store.get(f.id)?.status === 'active' && this.store.pauseInTxn(f.id, 'the expression no longer compiles')) this.paused++;
      }
      for (const o of outcomes) {
        const f = o.filter;
        const now = this.store.get(f.id);
        // Deleted or changed over HTTP while the batch ran: its matches are not recorded.
        if (!now || now.version !== f.version) continue;
        const results = this.store.recordMatchesOnceInTxn(o.matches.map((i) => {
          const a = alerts[i];
          return {
            filter: f.id, version: f.version, alertId: a.alert.alertId.toString(), objectId: String(a.object.id), surveyObjectId: a.alert.surveyObjectId,
            survey: a.alert.survey, ra: a.alert.ra, dec: a.alert.dec, mjd: a.alert.mjd, night: a.alert.night, band: a.alert.band,
            mag: a.alert.mag !== undefined && Number.isFinite(a.alert.mag) ? a.alert.mag : null, recordedAt,
          };
        }));
        stored.push({ o, results });
        const failures = o.errors + (o.overBudget ? 1 : 0);
        if (failures > 0) {
          const why = o.overBudget
            ? `over its time budget (${o.ms.toFixed(1)} ms for ${o.evaluated} of ${alerts.length} alerts)`
            : `${o.firstError!.message} (alert ${alerts[o.firstError!.alert].alert.alertId})`;
          const after = this.store.addFailuresInTxn(f.id, f.version, failures, why, this.maxFailures);
          if (after?.status === 'paused' && now.status === 'active') this.paused++;
        }
      }
    });
    for (const { o, results } of stored) {
      if (results.length === 0) continue;
      const name = byId.get(o.filter.id)?.name ?? '';
      const recs: OutRecord[] = results.map((r) => {
        if (r.recorded) this.matchesRecorded++;
        else this.matchesRepublished++;
        return { key: r.match.alertId, value: matchValue(r.match, name) };
      });
      byStream.set(filterStream(o.filter.id), recs);
    }
    this.recordMs += performance.now() - t2;
    return byStream;
  }

  /** Counters for the run report. */
  report(): Record<string, unknown> {
    const r3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      filters: this.filtersLastBatch, batches: this.batches, alertsChecked: this.alertsChecked, evaluations: this.evaluations,
      matchesRecorded: this.matchesRecorded, matchesRepublished: this.matchesRepublished, errors: this.errors,
      batchesOverBudget: this.overBudget, filtersPaused: this.paused,
      featuresMs: r3(this.featuresMs), evaluateMs: r3(this.evaluateMs), recordMs: r3(this.recordMs),
    };
  }

  async close(): Promise<void> {
    await this.ownedEnv?.close();
  }
}
