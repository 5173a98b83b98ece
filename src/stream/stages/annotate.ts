// Stage 'annotate': each batch's alerts, new and repeated alike (a replay
// republishes the same annotation), crossmatched in bulk against every
// configured catalog (annotate/annotator.ts); one annotated record per alert
// goes to the 'annotated' stream, and each alert keeps its annotations for
// the stages after this one.

import { Annotator } from '../annotate/annotator.js';
import type { AnnotationSpec } from '../annotate/config.js';
import { annotatedRecord } from '../annotate/record.js';
import { DEFAULT_PUBLIC_URL, Links } from '../../objects/links.js';
import type { OutRecord } from '../sinks/sink.js';
import type { Batch, BatchAlert, Stage } from '../stage.js';
import { julianYearFromMjd } from '../../sky/epoch.js';

export interface AnnotateOptions {
  /** Output stream of the annotated records (default 'annotated'). */
  stream?: string;
  /** Base of the cutout URLs in the records (default http://127.0.0.1:8080). */
  publicUrl?: string;
}

export class AnnotateStage implements Stage {
  readonly name = 'annotate';
  readonly annotator: Annotator;
  readonly stream: string;
  private readonly links: Links;

  /** From catalog specs, or an annotator built (and given metrics) by the caller. */
  constructor(annotator: Annotator | AnnotationSpec[], opts: AnnotateOptions = {}) {
    this.annotator = annotator instanceof Annotator ? annotator : new Annotator(annotator);
    this.stream = opts.stream ?? 'annotated';
    this.links = new Links(opts.publicUrl ?? DEFAULT_PUBLIC_URL);
  }

  /** Annotates the alerts (their `annotations`) and returns their annotated records. */
  annotateAlerts(alerts: readonly BatchAlert[]): OutRecord[] {
    if (alerts.length === 0) return [];
    const ra = Float64Array.from(alerts, (a) => a.alert.ra);
    const dec = Float64Array.from(alerts, (a) => a.alert.dec);
    // Each alert's own time is the epoch its catalog stars are moved to (proper motions).
    const epochs = Float64Array.from(alerts, (a) => julianYearFromMjd(a.alert.mjd));
    const ann = this.annotator.annotate(ra, dec, epochs);
    return alerts.map((a, i) => {
      a.annotations = ann[i];
      return { key: a.alert.alertId.toString(), value: annotatedRecord(a, ann[i], this.links) as unknown as Record<string, unknown> };
    });
  }

  afterCommit(batch: Batch): void {
    batch.emit(this.stream, this.annotateAlerts(batch.alerts));
  }

  report(): Record<string, unknown> {
    return this.annotator.report();
  }
}
