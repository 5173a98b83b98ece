// An in-memory copy of a watch list's targets, one static SkyIndex per radius
// class, for the alert stream. WatchlistStore.check() walks LMDB cursor ranges
// per position and per radius class (about 8 us per alert per class): fine for
// one list, but a batch checked against a hundred lists pays it a hundred
// times. The copy answers the same question from typed arrays and is rebuilt
// only when the list's stamp (rev, updatedAt, target count, all written in the
// transaction that changes the targets) differs from the one it was built at.
// Same contract as WatchlistStore.check(): exact spherical distance, each
// target's own radius, hits sorted by position, separation, name.

import { SkyIndex } from '../../match/sky-index.js';
import { radiusClass, type CheckHit, type Watchlist, type WatchlistStore } from '../../watch/store.js';

interface ClassIndex {
  index: SkyIndex;
  /** Largest target radius of the class: the crossmatch radius. */
  maxRadiusArcsec: number;
  names: string[];
  ra: Float64Array;
  dec: Float64Array;
  radius: Float64Array;
}

/** What identifies a version of a list's targets. */
export function listStamp(wl: Watchlist): string {
  return `${wl.rev ?? ''}|${wl.updatedAt}|${wl.targets}`;
}

export class TargetSnapshot {
  private constructor(readonly stamp: string, readonly length: number, private readonly classes: ClassIndex[]) {}

  /** Reads the list's targets (in the caller's read snapshot) and indexes them. */
  static load(store: WatchlistStore, wl: Watchlist): TargetSnapshot {
    const targets = store.targets(wl.id, 0, Number.MAX_SAFE_INTEGER);
    const groups = new Map<number, number[]>();
    for (let i = 0; i < targets.length; i++) {
      const k = radiusClass(targets[i].radiusArcsec);
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(i);
    }
    const classes: ClassIndex[] = [];
    for (const rows of groups.values()) {
      const ra = Float64Array.from(rows, (i) => targets[i].ra);
      const dec = Float64Array.from(rows, (i) => targets[i].dec);
      const radius = Float64Array.from(rows, (i) => targets[i].radiusArcsec);
      let max = 0;
      for (let i = 0; i < radius.length; i++) if (radius[i] > max) max = radius[i];
      classes.push({ index: SkyIndex.build(ra, dec), maxRadiusArcsec: max, names: rows.map((i) => targets[i].name), ra, dec, radius });
    }
    return new TargetSnapshot(listStamp(wl), targets.length, classes);
  }

  check(ra: Float64Array, dec: Float64Array): CheckHit[] {
    const hits: CheckHit[] = [];
    for (const c of this.classes) {
      const m = c.index.crossmatch(ra, dec, { radiusArcsec: c.maxRadiusArcsec });
      for (let i = 0; i < m.length; i++) {
        const r = m.row[i];
        if (m.sepArcsec[i] > c.radius[r]) continue;
        hits.push({ position: m.probe[i], target: c.names[r], sepArcsec: m.sepArcsec[i], targetRa: c.ra[r], targetDec: c.dec[r], targetRadiusArcsec: c.radius[r] });
      }
    }
    return hits.sort((a, b) => a.position - b.position || a.sepArcsec - b.sepArcsec || (a.target < b.target ? -1 : 1));
  }
}
