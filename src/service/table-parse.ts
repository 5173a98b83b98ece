// Sources (or targets, or positions) sent as a FITS binary table or a
// VOTable: columns id (or name), ra, dec[, radius_arcsec], read by the
// catalog readers from the body's bytes. Every problem is a 400 naming the
// column and the row.

import type { Column } from '../catalog/table.js';
import { readFitsColumns } from '../catalog/fits-read.js';
import { readVoTableColumns } from '../catalog/votable-read.js';
import { TextBuilder } from '../catalog/text.js';
import { clip, show } from '../messages/quote.js';
import { normalizeRa } from '../sky/angles.js';
import { BadRequest, BadTable } from './errors.js';
import type { ParseLimits, PositionList } from './sources-parse.js';

export const FITS_TYPES = ['application/fits', 'image/fits'];
export const VOTABLE_TYPES = ['application/x-votable+xml', 'application/votable+xml'];

function cell(c: Column, i: number): string | number | bigint | null {
  if (c.valid && !c.valid[i]) return null;
  const v = c.values[i];
  return c.type === 'bool' ? (v === 1 ? 1 : 0) : (v as string | number | bigint);
}

export async function parseTableRows(format: 'fits' | 'votable', body: Buffer, lim: ParseLimits): Promise<PositionList> {
  const label = format === 'fits' ? 'FITS table' : 'VOTable';
  let hasRadius = false;
  const pick = (names: string[]): string[] => {
    for (const c of [lim.idField, 'ra', 'dec']) {
      if (!names.includes(c)) throw new BadRequest(`${label}: missing column '${c}' (columns: ${clip(names.join(', '))})`);
    }
    hasRadius = names.includes('radius_arcsec');
    return [lim.idField, 'ra', 'dec', ...(hasRadius ? ['radius_arcsec'] : [])];
  };
  let t;
  try {
    t = format === 'fits' ? await readFitsColumns(body, pick, 'body') : await readVoTableColumns(body, pick, 'body');
  } catch (err) {
    if (err instanceof BadRequest) throw err;
    throw new BadTable(label, clip((err as Error).message.replace(/^body: /, '')));
  }
  const n = t.rows;
  if (n > lim.maxRows) throw new BadRequest(`at most ${lim.maxRows} ${lim.what} per request, got ${n}`);
  const idc = t.columns.get(lim.idField)!, rac = t.columns.get('ra')!, decc = t.columns.get('dec')!;
  const rc = hasRadius ? t.columns.get('radius_arcsec')! : null;
  for (const c of [rac, decc, ...(rc ? [rc] : [])]) {
    if (c.type === 'utf8' || c.type === 'bool') throw new BadRequest(`${label}: column '${c.name}' must hold numbers, it holds ${c.type === 'bool' ? 'booleans' : 'text'}`);
  }
  const ids = new TextBuilder(1024);
  const ra = new Float64Array(n), dec = new Float64Array(n), radius = new Float64Array(n);
  let anyRadius = false;
  const lo = lim.minRadius ?? 0, hi = lim.maxRadius ?? 648000;
  for (let i = 0; i < n; i++) {
    const where = `${label} row ${i + 1}`;
    const id = cell(idc, i);
    if (id === null || String(id) === '') throw new BadRequest(`${where}: column '${lim.idField}' is empty`);
    const r = Number(cell(rac, i) ?? NaN), d = Number(cell(decc, i) ?? NaN);
    if (!Number.isFinite(r)) throw new BadRequest(`${where}: column ra must be a finite number of degrees, got ${show(r)}`);
    if (!(d >= -90 && d <= 90)) throw new BadRequest(`${where}: column dec must be in [-90, 90], got ${show(d)}`);
    const rr = rc ? cell(rc, i) : null;
    const rad = rr === null ? NaN : Number(rr);
    if (!Number.isNaN(rad)) {
      if (!(rad >= lo && rad <= hi)) throw new BadRequest(`${where}: column radius_arcsec must be in [${lo}, ${hi}], got ${show(rad)}`);
      anyRadius = true;
    }
    ids.pushString(String(id));
    ra[i] = normalizeRa(r);
    dec[i] = d;
    radius[i] = rad;
  }
  return { ids: ids.finish(), ra, dec, radius: anyRadius ? radius : null, length: n };
}
