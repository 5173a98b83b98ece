// The catalogs a service or a stream serves: built Arrow catalogs found in a
// folder, listed in a JSON config, or the shipped ones (built on first use).

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ArrowCatalog } from './arrow-catalog.js';
import { ensureShippedCatalogs, type CatalogDefinition } from './shipped.js';

export interface Ellipse {
  /** Column names of the major and minor axes and the position angle (deg, east of north). */
  major: string;
  minor: string;
  pa: string;
  unit: 'arcmin' | 'arcsec' | 'deg';
  /** Whether the axes columns hold diameters (OpenNGC) or semi-axes. */
  axes: 'diameter' | 'radius';
}

export interface ServedCatalog {
  name: string;
  catalog: ArrowCatalog;
  defaultRadiusArcsec: number;
  title?: string;
  kind?: string;
  licence?: string;
  ellipse?: Ellipse;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface ConfigEntry {
  name?: string;
  path: string;
  defaultRadiusArcsec?: number;
  title?: string;
  kind?: string;
  licence?: string;
  ellipse?: Ellipse;
}

function served(file: string, e: Partial<ConfigEntry>): ServedCatalog {
  let catalog: ArrowCatalog;
  try {
    catalog = ArrowCatalog.open(file);
  } catch (err) {
    throw new ConfigError(`catalog ${file}: ${(err as Error).message}`);
  }
  const src = (catalog.info.source ?? {}) as Record<string, unknown>;
  const name = e.name ?? catalog.name;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ConfigError(`catalog name must be 1-64 of [A-Za-z0-9_.-], got '${name}' (${file})`);
  const radius = e.defaultRadiusArcsec ?? catalog.info.defaultRadiusArcsec ?? 2;
  if (!(radius > 0 && radius <= 648000)) throw new ConfigError(`catalog ${name}: defaultRadiusArcsec must be in (0, 648000], got ${radius}`);
  const ellipse = e.ellipse ?? (src.ellipse as Ellipse | undefined);
  if (ellipse) {
    for (const c of [ellipse.major, ellipse.minor, ellipse.pa]) {
      if (!catalog.columnNames().includes(c)) throw new ConfigError(`catalog ${name}: ellipse column '${c}' is not a column of ${file}`);
    }
  }
  return {
    name, catalog, defaultRadiusArcsec: radius, ellipse,
    title: e.title ?? (src.title as string | undefined), kind: e.kind ?? (src.kind as string | undefined),
    licence: e.licence ?? (src.licence as string | undefined),
  };
}

/**
 * Loads catalogs from a folder of .arrow files or a JSON file
 * `{ "catalogs": [{ "name", "path", "defaultRadiusArcsec", "ellipse" }] }`;
 * without a source, the shipped catalogs built into dataDir/catalogs.
 */
export async function loadCatalogSet(source: string | undefined, dataDir: string, log: (m: string) => void = () => {}): Promise<Map<string, ServedCatalog>> {
  const out = new Map<string, ServedCatalog>();
  const add = (c: ServedCatalog) => {
    if (out.has(c.name)) throw new ConfigError(`two catalogs are named '${c.name}'`);
    out.set(c.name, c);
  };
  if (!source) {
    for (const b of await ensureShippedCatalogs(path.join(dataDir, 'catalogs'), log)) {
      const d: CatalogDefinition = b.definition;
      add(served(b.path, { name: d.name, defaultRadiusArcsec: d.defaultRadiusArcsec, title: d.title, kind: d.kind, licence: d.licence, ellipse: d.ellipse as Ellipse | undefined }));
    }
    return out;
  }
  if (!existsSync(source)) throw new ConfigError(`--catalogs ${source}: no such file or folder`);
  if (statSync(source).isDirectory()) {
    const files = readdirSync(source).filter((f) => f.endsWith('.arrow')).sort();
    if (files.length === 0) throw new ConfigError(`--catalogs ${source}: no .arrow catalogs in this folder (build them with 'skyjoin catalog build')`);
    for (const f of files) add(served(path.join(source, f), {}));
    return out;
  }
  let cfg: { catalogs?: ConfigEntry[] };
  try {
    cfg = JSON.parse(readFileSync(source, 'utf8'));
  } catch (err) {
    throw new ConfigError(`--catalogs ${source}: not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(cfg.catalogs) || cfg.catalogs.length === 0) throw new ConfigError(`--catalogs ${source}: expected { "catalogs": [{ "path": ... }] } with at least one catalog`);
  cfg.catalogs.forEach((e, i) => {
    if (!e || typeof e.path !== 'string') throw new ConfigError(`--catalogs ${source}: catalogs[${i}].path must be a string`);
    add(served(path.resolve(path.dirname(source), e.path), e));
  });
  return out;
}
