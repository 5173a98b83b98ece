// Crossmatch annotation of the alert stream: each batch's alerts, new and
// repeated alike (a replay republishes the same annotation), are matched in
// bulk against every configured catalog, and one annotated record per alert
// goes to the 'annotated' stream. Each catalog keeps health counters (alerts
// checked, hits, matches, time) for the night report and the metrics, so a
// catalog that silently stops matching shows as a hit rate falling to zero.

import { performance } from 'node:perf_hooks';
import type { Registry } from '../../metrics/registry.js';
import type { IngestedAlert } from '../ingest.js';
import type { BatchShared, Enricher } from '../pipeline.js';
import type { OutputSink } from '../sinks/sink.js';
import { resolveSpec, type AnnotationSpec } from './config.js';
import { EllipseMatcher, PointMatcher, type CatalogHits } from './matcher.js';
import { annotatedRecord, columnValue, type AnnotationMatch, type Annotations } from './record.js';

export interface CatalogHealth {
  /** Alerts matched against the catalog. */
  alertsChecked: number;
  /** Alerts with at least one match. */
  hits: number;
  /** Matches reported (at most k per alert). */
  matches: number;
  /** Time spent matching and reading columns, ms. */
  ms: number;
}

export type HealthListener = (catalog: string, delta: CatalogHealth) => void;

export interface AnnotatorOptions {
  /** Output stream of the annotated records (default 'annotated'). */
  stream?: string;
}

interface Prepared {
  name: string;
  columns: string[];
  matcher: PointMatcher | EllipseMatcher;
  health: CatalogHealth;
}

export class AnnotationEnricher implements Enricher {
  private readonly catalogs: Prepared[];
  private readonly listeners: HealthListener[] = [];
  readonly stream: string;

  constructor(specs: AnnotationSpec[], opts: AnnotatorOptions = {}) {
    this.stream = opts.stream ?? 'annotated';
    const seen = new Set<string>();
    this.catalogs = specs.map((spec) => {
      const s = resolveSpec(spec);
      const name = s.served.name;
      if (seen.has(name)) throw new RangeError(`catalog '${name}' is annotated twice`);
      seen.add(name);
      const mo = { radiusArcsec: s.radiusArcsec, mode: s.mode, k: s.k };
      const matcher = s.served.ellipse
        ? new EllipseMatcher(s.served.catalog, mo, s.served.ellipse, s.ellipseScale)
        : new PointMatcher(s.served.catalog, mo);
      return { name, columns: s.columns, matcher, health: { alertsChecked: 0, hits: 0, matches: 0, ms: 0 } };
    });
  }

  /** Names of the annotating catalogs, in order. */
  catalogNames(): string[] {
    return this.catalogs.map((c) => c.name);
  }

  /** Called after each batch with each catalog's counter increments. */
  onHealth(listener: HealthListener): void {
    this.listeners.push(listener);
  }

  /** Annotations of a batch of positions: one per position, each naming every catalog ([] when nothing matched). */
  annotate(ra: Float64Array, dec: Float64Array): Annotations[] {
    const n = ra.length;
    const out: Annotations[] = Array.from({ length: n }, () => ({}));
    for (const c of this.catalogs) {
      const t0 = performance.now();
      const hits = c.matcher.match(ra, dec);
      const lists = this.lists(c, hits, n);
      let hitAlerts = 0;
      for (let p = 0; p < n; p++) {
        out[p][c.name] = lists[p];
        if (lists[p].length > 0) hitAlerts++;
      }
      const delta: CatalogHealth = { alertsChecked: n, hits: hitAlerts, matches: hits.length, ms: performance.now() - t0 };
      const h = c.health;
      h.alertsChecked += delta.alertsChecked; h.hits += delta.hits; h.matches += delta.matches; h.ms += delta.ms;
      for (const l of this.listeners) l(c.name, delta);
    }
    return out;
  }

  /** Per-probe match lists, columns read once for the batch's matched rows. */
  private lists(c: Prepared, hits: CatalogHits, n: number): AnnotationMatch[][] {
    const lists: AnnotationMatch[][] = Array.from({ length: n }, () => []);
    if (hits.length === 0) return lists;
    const cat = c.matcher.catalog;
    const values = c.columns.length ? cat.values(hits.row, c.columns) : null;
    const ed = hits.ellipseDistance;
    for (let i = 0; i < hits.length; i++) {
      const columns: AnnotationMatch['columns'] = {};
      if (values) for (const k of c.columns) columns[k] = columnValue(values[i][k]);
      lists[hits.probe[i]].push({
        id: cat.id(hits.row[i]), sep_arcsec: hits.sepArcsec[i], pa_deg: hits.paDeg[i],
        ellipse_distance: ed ? ed[i] : null, columns,
      });
    }
    return lists;
  }

  enrich(alerts: IngestedAlert[], out: OutputSink, shared?: BatchShared): void {
    if (alerts.length === 0) return;
    const ra = Float64Array.from(alerts, (a) => a.alert.ra);
    const dec = Float64Array.from(alerts, (a) => a.alert.dec);
    const ann = this.annotate(ra, dec);
    if (shared) shared.annotations = ann;
    out.write(this.stream, alerts.map((a, i) => ({ key: a.alert.alertId.toString(), value: annotatedRecord(a, ann[i]) as unknown as Record<string, unknown> })));
  }

  /** Counters per catalog since start (copies). */
  health(): Record<string, CatalogHealth> {
    return Object.fromEntries(this.catalogs.map((c) => [c.name, { ...c.health }]));
  }

  /** For the night report: per catalog, the counters and the hit rate (null before any alert). */
  report(): Record<string, unknown> {
    const catalogs: Record<string, unknown> = {};
    for (const c of this.catalogs) {
      const h = c.health;
      catalogs[c.name] = {
        alerts_checked: h.alertsChecked, hits: h.hits, matches: h.matches,
        hit_rate: h.alertsChecked ? h.hits / h.alertsChecked : null,
        ms: Math.round(h.ms * 1000) / 1000,
        us_per_alert: h.alertsChecked ? Math.round((h.ms * 1000 / h.alertsChecked) * 1000) / 1000 : null,
      };
    }
    return { annotation: { catalogs } };
  }
}

/**
 * Publishes an annotator's health in a metrics registry:
 * skyjoin_annotation_{alerts_checked,hits,matches}_total{catalog},
 * skyjoin_annotation_seconds_total{catalog} and the gauge
 * skyjoin_annotation_hit_ratio{catalog} (hits / alerts checked since start).
 * Every series exists from registration on, at 0, so "no hits" is visible.
 */
export function registerAnnotationMetrics(registry: Registry, annotator: AnnotationEnricher): void {
  const checked = registry.counter('skyjoin_annotation_alerts_checked_total', 'Alerts crossmatched against each annotation catalog');
  const hits = registry.counter('skyjoin_annotation_hits_total', 'Alerts with at least one match in each annotation catalog');
  const matches = registry.counter('skyjoin_annotation_matches_total', 'Catalog matches reported in annotations');
  const seconds = registry.counter('skyjoin_annotation_seconds_total', 'Time spent annotating, per catalog');
  for (const name of annotator.catalogNames()) {
    const l = { catalog: name };
    checked.inc(l, 0); hits.inc(l, 0); matches.inc(l, 0); seconds.inc(l, 0);
  }
  annotator.onHealth((catalog, d) => {
    const l = { catalog };
    checked.inc(l, d.alertsChecked);
    hits.inc(l, d.hits);
    matches.inc(l, d.matches);
    seconds.inc(l, d.ms / 1000);
  });
  registry.gauge('skyjoin_annotation_hit_ratio', 'Share of checked alerts with at least one match, per catalog, since start', () =>
    Object.entries(annotator.health()).map(([catalog, h]) => [{ catalog }, h.alertsChecked ? h.hits / h.alertsChecked : 0]));
}
