// A small Prometheus registry: counters, gauges and histograms with labels,
// rendered in the text exposition format (version 0.0.4). The service and
// the stream both publish through it.

type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
}

abstract class Metric {
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge' | 'histogram') {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new RangeError(`invalid metric name '${name}'`);
  }
  abstract lines(): string[];
}

/**
 * One labelled series of a counter. Hot paths (a request, an alert) keep the
 * series they count into, so counting costs an addition, not building and
 * escaping a label string.
 */
export class CounterSeries {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
}

export class Counter extends Metric {
  private readonly values = new Map<string, CounterSeries>();
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  /** The series of these labels (made on first use). */
  series(labels: Labels = {}): CounterSeries {
    const k = labelKey(labels);
    let s = this.values.get(k);
    if (!s) this.values.set(k, (s = new CounterSeries()));
    return s;
  }
  inc(labels: Labels = {}, by = 1): void {
    this.series(labels).inc(by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }
  lines(): string[] {
    return [...this.values].map(([k, s]) => `${this.name}${k ? `{${k}}` : ''} ${s.value}`);
  }
}

export class Gauge extends Metric {
  private readonly values = new Map<string, number>();
  constructor(name: string, help: string, private readonly collect?: () => Array<[Labels, number]>) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, v: number): void {
    this.values.set(labelKey(labels), v);
  }
  lines(): string[] {
    if (this.collect) for (const [l, v] of this.collect()) this.set(l, v);
    return [...this.values].map(([k, v]) => `${this.name}${k ? `{${k}}` : ''} ${v}`);
  }
}

/** One labelled series of a histogram (see CounterSeries). */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly buckets: Float64Array) {
    this.counts = new Float64Array(buckets.length);
  }
  observe(v: number): void {
    const b = this.buckets;
    for (let i = 0; i < b.length; i++) if (v <= b[i]) this.counts[i]++;
    this.sum += v;
    this.count++;
  }
}

export class Histogram extends Metric {
  private readonly all = new Map<string, HistogramSeries>();
  private readonly bounds: Float64Array;
  constructor(name: string, help: string, readonly buckets: readonly number[]) {
    super(name, help, 'histogram');
    this.bounds = Float64Array.from(buckets);
  }
  /** The series of these labels (made on first use). */
  series(labels: Labels): HistogramSeries {
    const k = labelKey(labels);
    let s = this.all.get(k);
    if (!s) this.all.set(k, (s = new HistogramSeries(this.bounds)));
    return s;
  }
  observe(labels: Labels, v: number): void {
    this.series(labels).observe(v);
  }
  lines(): string[] {
    const out: string[] = [];
    for (const [k, s] of this.all) {
      const sep = k ? ',' : '';
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}`);
      out.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      out.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return out;
  }
}

export class Registry {
  private readonly metrics = new Map<string, Metric>();

  private add<M extends Metric>(m: M): M {
    const old = this.metrics.get(m.name);
    if (old) return old as M;
    this.metrics.set(m.name, m);
    return m;
  }

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string, collect?: () => Array<[Labels, number]>): Gauge {
    return this.add(new Gauge(name, help, collect));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) {
      out.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`, ...m.lines());
    }
    return `${out.join('\n')}\n`;
  }
}

export const LATENCY_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
