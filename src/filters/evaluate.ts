// One batch of alerts through every active filter: the one function the
// stream's filter stage calls (and POST /v1/filters/test). Inputs are built
// once per alert (features.ts) and shared; each filter sees only its owner's
// watch-list hits. A filter that throws is counted (first message kept), and
// one that runs past its time budget for the batch is stopped for the rest of
// the batch, so it never delays the filters after it by more than its budget.

import { performance } from 'node:perf_hooks';
import { withWatch, type FilterInput, type WatchHitRef } from './features.js';
import type { CompiledExpression } from './language.js';

export interface ActiveFilter {
  id: string;
  owner: string;
  version: number;
  fn: CompiledExpression;
}

export interface FilterOutcome {
  filter: ActiveFilter;
  /** Indices (into the batch's inputs) of the alerts that passed, ascending. */
  matches: number[];
  /** Alerts evaluated (fewer than the batch when over budget). */
  evaluated: number;
  /** Evaluations that threw or gave something else than a bool. */
  errors: number;
  /** The first error: its message and the alert it happened on. */
  firstError: { message: string; alert: number } | null;
  /** Stopped because the batch took longer than the budget. */
  overBudget: boolean;
  ms: number;
}

export interface EvaluateOptions {
  /** Time a filter may take per alert, µs (default 50); with minBudgetMs, its budget for a batch. */
  budgetUsPerAlert?: number;
  /**
   * The smallest budget of a batch, ms (default 250): on a loaded machine a
   * time slice lost to another process or a GC pause can take tens of ms, and
   * that is not the filter's fault (budgets are wall-clock time).
   */
  minBudgetMs?: number;
}

/** How often (in alerts) the clock is read: reading it costs ~50 ns, an evaluation ~200 ns. */
const CLOCK_EVERY = 16;

export function evaluateBatch(
  filters: readonly ActiveFilter[],
  inputs: readonly FilterInput[],
  watchHits: ReadonlyArray<readonly WatchHitRef[] | undefined> | undefined,
  opts: EvaluateOptions = {},
): FilterOutcome[] {
  const n = inputs.length;
  const budgetMs = Math.max(opts.minBudgetMs ?? 250, ((opts.budgetUsPerAlert ?? 50) * n) / 1000);
  const out: FilterOutcome[] = [];
  for (const f of filters) {
    const o: FilterOutcome = { filter: f, matches: [], evaluated: 0, errors: 0, firstError: null, overBudget: false, ms: 0 };
    const t0 = performance.now();
    const fn = f.fn;
    let i = 0;
    for (; i < n; i++) {
      if ((i & (CLOCK_EVERY - 1)) === CLOCK_EVERY - 1 && performance.now() - t0 > budgetMs) {
        o.overBudget = true;
        break;
      }
      const hits = watchHits?.[i];
      const input = hits === undefined ? inputs[i] : withWatch(inputs[i], hits, f.owner);
      try {
        const r = fn(input);
        if (r === true) o.matches.push(i);
        else if (r !== false) throw new TypeError(`gave ${typeof r}, not a bool`);
      } catch (err) {
        o.errors++;
        o.firstError ??= { message: String((err as Error)?.message ?? err).split('\n')[0].slice(0, 300), alert: i };
      }
    }
    o.ms = performance.now() - t0;
    if (!o.overBudget && o.ms > budgetMs) o.overBudget = true;
    o.evaluated = i;
    out.push(o);
  }
  return out;
}
