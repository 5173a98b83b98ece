// Parsing lists of positions sent to the service: JSON arrays of objects,
// CSV with a header, or Arrow IPC. Every problem becomes a 4xx naming the
// field (and the line for CSV, the index for JSON): nothing is dropped.

import * as A from 'apache-arrow';
import { newSpans, parseDecimal, scanRecord } from '../catalog/csv-parse.js';
import { TextBuilder, TextColumn } from '../catalog/text.js';
import { normalizeRa } from '../sky/angles.js';
import { clip, show } from '../messages/quote.js';
import { BadArrow, BadCsv, BadRequest } from './errors.js';

export interface PositionList {
  ids: TextColumn;
  ra: Float64Array;
  dec: Float64Array;
  /** Per-row radius in arcsec (NaN where not given), or null when no row gives one. */
  radius: Float64Array | null;
  /** Extra text fields kept per row (watch-list targets keep none today). */
  length: number;
}

export interface ParseLimits {
  maxRows: number;
  /** What a row is called in messages: 'sources' or 'targets'. */
  what: string;
  /** Name of the id field: 'id' for sources, 'name' for targets. */
  idField: string;
  minRadius?: number;
  maxRadius?: number;
}

/** The same checks for every format; `where` names the row (e.g. "sources[3]" or "line 4"). */
function checkRow(where: string, ra: number, dec: number, radius: number, lim: ParseLimits, sep: string): string | null {
  if (!Number.isFinite(ra)) return `${where}${sep}ra must be a finite number of degrees, got ${show(ra)}`;
  if (!(dec >= -90 && dec <= 90)) return `${where}${sep}dec must be in [-90, 90], got ${show(dec)}`;
  if (!Number.isNaN(radius)) {
    const lo = lim.minRadius ?? 0, hi = lim.maxRadius ?? 648000;
    if (!(radius >= lo && radius <= hi)) return `${where}${sep}radius_arcsec must be in [${lo}, ${hi}], got ${show(radius)}`;
  }
  return null;
}

class Rows {
  ids = new TextBuilder(1024);
  ra: number[] = [];
  dec: number[] = [];
  radius: number[] = [];
  anyRadius = false;
  finish(): PositionList {
    const n = this.ra.length;
    return {
      ids: this.ids.finish(), ra: Float64Array.from(this.ra), dec: Float64Array.from(this.dec),
      radius: this.anyRadius ? Float64Array.from(this.radius) : null, length: n,
    };
  }
}

/** A JSON array of {id, ra, dec[, radius_arcsec]} (ids: strings or integers). */
export function parseJsonRows(body: unknown, lim: ParseLimits, path = lim.what): PositionList {
  if (!Array.isArray(body)) throw new BadRequest(`${path} must be an array of {${lim.idField}, ra, dec[, radius_arcsec]}`);
  if (body.length > lim.maxRows) throw new BadRequest(`at most ${lim.maxRows} ${lim.what} per request, got ${body.length}`);
  const rows = new Rows();
  const seen = lim.idField === 'name' ? new Set<string>() : null;
  for (let i = 0; i < body.length; i++) {
    const o = body[i] as Record<string, unknown>;
    const where = `${path}[${i}]`;
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new BadRequest(`${where} must be an object with ${lim.idField}, ra, dec`);
    const id = o[lim.idField];
    if (!(typeof id === 'string' && id.length > 0 && id.length <= 256) && !(typeof id === 'number' && Number.isSafeInteger(id))) {
      throw new BadRequest(`${where}.${lim.idField} must be a non-empty string (at most 256 characters) or an integer, got ${show(id)}`);
    }
    const ra = o.ra, dec = o.dec, r = o.radius_arcsec;
    if (typeof ra !== 'number') throw new BadRequest(`${where}.ra must be a number of degrees, got ${show(ra)}`);
    if (typeof dec !== 'number') throw new BadRequest(`${where}.dec must be a number of degrees, got ${show(dec)}`);
    if (r !== undefined && r !== null && typeof r !== 'number') throw new BadRequest(`${where}.radius_arcsec must be a number of arcsec, got ${show(r)}`);
    const radius = typeof r === 'number' ? r : NaN;
    const err = checkRow(where, ra, dec, radius, lim, '.');
    if (err) throw new BadRequest(err);
    const sid = String(id);
    if (seen) {
      if (seen.has(sid)) throw new BadRequest(`${where}.${lim.idField} '${clip(sid)}' appears twice in this request`);
      seen.add(sid);
    }
    rows.ids.pushString(sid);
    rows.ra.push(normalizeRa(ra));
    rows.dec.push(dec);
    rows.radius.push(radius);
    if (!Number.isNaN(radius)) rows.anyRadius = true;
  }
  return rows.finish();
}

const enc = new TextEncoder();

/** CSV with a header holding the id field, ra, dec and optionally radius_arcsec. */
export function parseCsvRows(body: Buffer, lim: ParseLimits): PositionList {
  const spans = newSpans();
  const lines = { extra: 0 };
  let pos = 0, line = 0;
  let header: string[] | null = null;
  let iId = -1, iRa = -1, iDec = -1, iR = -1;
  const rows = new Rows();
  const seen = lim.idField === 'name' ? new Set<string>() : null;
  const dec = new TextDecoder();
  while (pos < body.length) {
    let next: number;
    try {
      next = scanRecord(body, pos, body.length, spans, true, lines);
    } catch (err) {
      throw new BadCsv(`CSV line ${line + 1}: ${clip((err as Error).message)}`);
    }
    line++;
    const text = (k: number) => dec.decode(body.subarray(spans.starts[k], spans.ends[k])).trim();
    if (!header) {
      header = Array.from({ length: spans.count }, (_, k) => text(k).replace(/^\ufeff/, ''));
      iId = header.indexOf(lim.idField); iRa = header.indexOf('ra'); iDec = header.indexOf('dec'); iR = header.indexOf('radius_arcsec');
      const missing = [[iId, lim.idField], [iRa, 'ra'], [iDec, 'dec']].filter(([i]) => i === -1).map(([, n]) => n);
      if (missing.length) throw new BadCsv(`CSV line 1: the header needs column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (got: ${clip(header.join(', '))})`);
    } else if (!(spans.count === 1 && spans.starts[0] === spans.ends[0])) {
      if (spans.count !== header.length) throw new BadCsv(`CSV line ${line}: expected ${header.length} fields, found ${spans.count}`);
      const id = text(iId);
      if (id === '') throw new BadCsv(`CSV line ${line}: column '${lim.idField}' is empty`);
      const ra = parseDecimal(body, spans.starts[iRa], spans.ends[iRa]);
      const d = parseDecimal(body, spans.starts[iDec], spans.ends[iDec]);
      const rText = iR >= 0 ? text(iR) : '';
      const radius = rText === '' ? NaN : parseDecimal(enc.encode(rText), 0, enc.encode(rText).length);
      if (rText !== '' && Number.isNaN(radius)) throw new BadCsv(`CSV line ${line}: column 'radius_arcsec' must be a number, got '${clip(rText)}'`);
      if (Number.isNaN(ra)) throw new BadCsv(`CSV line ${line}: column 'ra' must be a number of degrees, got '${clip(text(iRa))}'`);
      if (Number.isNaN(d)) throw new BadCsv(`CSV line ${line}: column 'dec' must be a number of degrees, got '${clip(text(iDec))}'`);
      const err = checkRow(`CSV line ${line}`, ra, d, radius, lim, ': column ');
      if (err) throw new BadCsv(err);
      if (seen) {
        if (seen.has(id)) throw new BadCsv(`CSV line ${line}: ${lim.idField} '${clip(id)}' appears twice`);
        seen.add(id);
      }
      if (rows.ra.length >= lim.maxRows) throw new BadRequest(`at most ${lim.maxRows} ${lim.what} per request`);
      rows.ids.pushString(id);
      rows.ra.push(normalizeRa(ra));
      rows.dec.push(d);
      rows.radius.push(radius);
      if (!Number.isNaN(radius)) rows.anyRadius = true;
    }
    pos = next;
  }
  if (!header) throw new BadCsv('CSV body is empty: expected a header line');
  return rows.finish();
}

/** An Arrow IPC stream (or file) with columns id (text or integer), ra, dec[, radius_arcsec]. */
export function parseArrowRows(body: Buffer, lim: ParseLimits): PositionList {
  let table: A.Table;
  try {
    table = A.tableFromIPC(body);
  } catch (err) {
    throw new BadArrow(clip((err as Error).message));
  }
  const col = (name: string, required: boolean) => {
    const v = table.getChild(name);
    if (!v && required) throw new BadArrow(`missing column '${name}' (columns: ${clip(table.schema.fields.map((f) => f.name).join(', '))})`);
    return v;
  };
  const idv = col(lim.idField, true)!, rav = col('ra', true)!, decv = col('dec', true)!, rv = col('radius_arcsec', false);
  const n = table.numRows;
  if (n > lim.maxRows) throw new BadRequest(`at most ${lim.maxRows} ${lim.what} per request, got ${n}`);
  const rows = new Rows();
  for (let i = 0; i < n; i++) {
    const id = idv.get(i);
    const where = `row ${i}`;
    if (id === null || id === undefined || String(id) === '') throw new BadArrow(`${where}: column '${lim.idField}' is empty`);
    const ra = Number(rav.get(i)), d = Number(decv.get(i));
    const rr = rv?.get(i);
    const radius = rr === null || rr === undefined ? NaN : Number(rr);
    const err = checkRow(where, ra, d, radius, lim, ': column ');
    if (err) throw new BadArrow(err);
    rows.ids.pushString(String(id));
    rows.ra.push(normalizeRa(ra));
    rows.dec.push(d);
    rows.radius.push(radius);
    if (!Number.isNaN(radius)) rows.anyRadius = true;
  }
  return rows.finish();
}
