// The catalogs shipped in catalogs/ (catalogs.json), built on first use into
// a data folder and rebuilt when their source or definition changes.

import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArrowCatalog } from './arrow-catalog.js';
import { OutputError, writeAtomically } from './atomic-file.js';
import { fsReason } from './fs-errors.js';
import { buildCatalogFile } from './build.js';
import type { CatalogMotionInfo } from './motion-columns.js';

export interface CatalogDefinition {
  name: string;
  title: string;
  kind: string;
  file: string;
  rows?: number;
  idColumn?: string;
  keep: string[];
  defaultRadiusArcsec: number;
  ellipse?: { major: string; minor: string; pa: string; unit: 'arcmin' | 'arcsec' | 'deg'; axes: 'diameter' | 'radius' };
  /** Proper-motion columns, units and reference epoch (BSC5: arcsec/yr at J2000.0). */
  motion?: CatalogMotionInfo;
  licence: string;
}

/** The catalogs/ folder of this package (dist/src/catalog -> ../../.., src/catalog -> ../..). */
export function shippedCatalogDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const dir = path.resolve(here, up, 'catalogs');
    if (existsSync(path.join(dir, 'catalogs.json'))) return dir;
  }
  throw new Error(`cannot find the shipped catalogs folder next to ${here}`);
}

export function shippedDefinitions(dir = shippedCatalogDir()): CatalogDefinition[] {
  return (JSON.parse(readFileSync(path.join(dir, 'catalogs.json'), 'utf8')) as { catalogs: CatalogDefinition[] }).catalogs;
}

export interface BuiltCatalog {
  definition: CatalogDefinition;
  path: string;
  built: boolean;
}

/**
 * Builds every shipped catalog into `outDir` (NAME.arrow) unless an existing
 * file was made from the same source and definition. Returns where they are.
 */
export async function ensureShippedCatalogs(outDir: string, log: (msg: string) => void = () => {}): Promise<BuiltCatalog[]> {
  const dir = shippedCatalogDir();
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    throw new OutputError(outDir, fsReason(err));
  }
  const out: BuiltCatalog[] = [];
  for (const def of shippedDefinitions(dir)) {
    const src = path.join(dir, def.file);
    const dst = path.join(outDir, `${def.name}.arrow`);
    const stamp = `${statSync(src).size}:${statSync(src).mtimeMs}:${JSON.stringify(def)}`;
    let fresh = false;
    if (existsSync(dst)) {
      try {
        fresh = ArrowCatalog.open(dst).info.source?.stamp === stamp;
      } catch {
        fresh = false;
      }
    }
    if (!fresh) {
      const t = performance.now();
      // Under a temporary name, renamed when complete: a service and a stream
      // starting at once never open a half-written catalog.
      await writeAtomically(dst, (tmp) => buildCatalogFile({
        input: src, output: tmp, name: def.name, idCol: def.idColumn ?? 'id', keep: def.keep,
        scheme: 'zones', defaultRadiusArcsec: def.defaultRadiusArcsec, motion: def.motion,
        extraInfo: { stamp, title: def.title, kind: def.kind, licence: def.licence, ellipse: def.ellipse },
      }));
      log(`built catalog ${def.name} (${def.file}) in ${(performance.now() - t).toFixed(0)} ms`);
    }
    out.push({ definition: def, path: dst, built: !fresh });
  }
  return out;
}
