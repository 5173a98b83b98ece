// Which catalogs annotate the alert stream, and how: radius, best or all-k,
// the columns carried, the ellipse scale of galaxy catalogs. From code, or a
// JSON file checked field by field at start-up, so a typo fails the boot and
// not the night:
//
//   { "catalogs": {
//       "bsc5":    { "radiusArcsec": 3, "mode": "best", "columns": ["vmag"] },
//       "openngc": { "mode": "all", "k": 3, "ellipseScale": 2 } } }
//
// With a config only the catalogs it names annotate; without one every
// served catalog does, with its defaults.

import { readFileSync } from 'node:fs';
import { ConfigError, type ServedCatalog } from '../../catalog/set.js';
import { maxTextBytes } from './columns.js';

export interface AnnotationSpec {
  served: ServedCatalog;
  /** Point-source match radius (arcsec); for ellipse catalogs, the radius of rows without a size. Default: served.defaultRadiusArcsec. */
  radiusArcsec?: number;
  /** 'best': the one closest row; 'all': up to k rows, closest first. */
  mode: 'best' | 'all';
  /** Most rows per alert in mode 'all' (default 5). */
  k?: number;
  /** Catalog columns carried in each match (default: defaultColumns(served)). */
  columns?: string[];
  /** Ellipse catalogs: an alert is in a galaxy when inside its ellipse times this (default 1). */
  ellipseScale?: number;
}

export interface CatalogAnnotationConfig {
  radiusArcsec?: number;
  mode?: 'best' | 'all';
  k?: number;
  columns?: string[];
  ellipseScale?: number;
}

export interface AnnotationConfig {
  catalogs: Record<string, CatalogAnnotationConfig>;
}

/** Text columns with a value longer than this are left out of the default columns (OpenNGC `aliases`, free-text notes). */
export const LONG_TEXT_BYTES = 40;
export const DEFAULT_K = 5;
const FIELDS = ['radiusArcsec', 'mode', 'k', 'columns', 'ellipseScale'];

/** The catalog's kept columns minus text columns holding values longer than LONG_TEXT_BYTES. */
export function defaultColumns(served: ServedCatalog): string[] {
  return served.catalog.columnNames().filter((c) => maxTextBytes(served.catalog, c) <= LONG_TEXT_BYTES);
}

/** Checks a spec; throws a ConfigError naming the catalog and the field. Returns it with every default filled in. */
export function resolveSpec(spec: AnnotationSpec): Required<AnnotationSpec> {
  const s = spec.served;
  const where = `annotation of catalog '${s?.name}'`;
  if (!s || !s.catalog) throw new ConfigError(`${where}: served catalog is missing`);
  const radius = spec.radiusArcsec ?? s.defaultRadiusArcsec;
  if (typeof radius !== 'number' || !(radius > 0 && radius <= 648000)) throw new ConfigError(`${where}: radiusArcsec must be a number in (0, 648000], got ${JSON.stringify(radius)}`);
  if (spec.mode !== 'best' && spec.mode !== 'all') throw new ConfigError(`${where}: mode must be 'best' or 'all', got ${JSON.stringify(spec.mode)}`);
  const k = spec.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1 || k > 1000) throw new ConfigError(`${where}: k must be an integer in [1, 1000], got ${JSON.stringify(k)}`);
  const scale = spec.ellipseScale ?? 1;
  if (typeof scale !== 'number' || !(scale > 0 && scale <= 100)) throw new ConfigError(`${where}: ellipseScale must be a number in (0, 100], got ${JSON.stringify(scale)}`);
  if (spec.ellipseScale !== undefined && !s.ellipse) throw new ConfigError(`${where}: ellipseScale is set but the catalog has no ellipse columns`);
  const columns = spec.columns ?? defaultColumns(s);
  if (!Array.isArray(columns) || columns.some((c) => typeof c !== 'string')) throw new ConfigError(`${where}: columns must be an array of column names`);
  const known = s.catalog.columnNames();
  for (const c of columns) {
    if (!known.includes(c)) throw new ConfigError(`${where}: columns: '${c}' is not a column of the catalog (it has ${known.join(', ') || 'no kept columns'})`);
  }
  return { served: s, radiusArcsec: radius, mode: spec.mode, k, columns: [...columns], ellipseScale: scale };
}

function checkConfig(raw: unknown, origin: string): AnnotationConfig {
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(raw) || !isObj(raw.catalogs)) throw new ConfigError(`${origin}: expected { "catalogs": { "<name>": { ... } } }`);
  for (const k of Object.keys(raw)) if (k !== 'catalogs') throw new ConfigError(`${origin}: unknown field '${k}' (expected only 'catalogs')`);
  for (const [name, entry] of Object.entries(raw.catalogs)) {
    if (!isObj(entry)) throw new ConfigError(`${origin}: catalogs.${name} must be an object`);
    for (const f of Object.keys(entry)) {
      if (!FIELDS.includes(f)) throw new ConfigError(`${origin}: catalogs.${name}.${f} is not a field (fields: ${FIELDS.join(', ')})`);
    }
    const num = (f: string) => {
      if (f in entry && typeof entry[f] !== 'number') throw new ConfigError(`${origin}: catalogs.${name}.${f} must be a number, got ${JSON.stringify(entry[f])}`);
    };
    num('radiusArcsec'); num('k'); num('ellipseScale');
    if ('mode' in entry && entry.mode !== 'best' && entry.mode !== 'all') throw new ConfigError(`${origin}: catalogs.${name}.mode must be 'best' or 'all', got ${JSON.stringify(entry.mode)}`);
    if ('columns' in entry && (!Array.isArray(entry.columns) || entry.columns.some((c) => typeof c !== 'string'))) {
      throw new ConfigError(`${origin}: catalogs.${name}.columns must be an array of strings`);
    }
  }
  return raw as unknown as AnnotationConfig;
}

/** Reads and checks an annotation config file. */
export function readAnnotationConfig(file: string): AnnotationConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`annotation config ${file}: ${(err as Error).message}`);
  }
  return checkConfig(raw, `annotation config ${file}`);
}

/**
 * The annotation specs for a set of served catalogs: every catalog with its
 * defaults (mode 'best'), or those a config (object or JSON file path) names.
 * Errors name the file, the catalog and the field.
 */
export function annotationSpecs(catalogs: Map<string, ServedCatalog>, config?: AnnotationConfig | string): AnnotationSpec[] {
  if (config === undefined) return [...catalogs.values()].map((served) => ({ served, mode: 'best' as const }));
  const origin = typeof config === 'string' ? `annotation config ${config}` : 'annotation config';
  const cfg = typeof config === 'string' ? readAnnotationConfig(config) : checkConfig(config, origin);
  return Object.entries(cfg.catalogs).map(([name, c]) => {
    const served = catalogs.get(name);
    if (!served) throw new ConfigError(`${origin}: catalogs.${name}: no catalog of that name is loaded (loaded: ${[...catalogs.keys()].join(', ') || 'none'})`);
    const spec: AnnotationSpec = { served, mode: c.mode ?? 'best', radiusArcsec: c.radiusArcsec, k: c.k, columns: c.columns, ellipseScale: c.ellipseScale };
    try {
      resolveSpec(spec);
    } catch (err) {
      throw new ConfigError(`${origin}: catalogs.${name}: ${(err as Error).message.replace(/^annotation of catalog '[^']*': /, '')}`);
    }
    return spec;
  });
}
