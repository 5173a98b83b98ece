// Writing a column table to a file in any of the formats skyjoin writes,
// chosen by name or by the file's extension.

import type { ColumnTable } from './table.js';

export type TableFormat = 'csv' | 'parquet' | 'fits' | 'vot' | 'vot-binary2';
export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'parquet', 'fits', 'vot', 'vot-binary2'];

/** The format a file name asks for (.csv, .parquet, .fits/.fit/.fts, .vot/.votable/.xml), or undefined. */
export function formatOfPath(file: string): TableFormat | undefined {
  const m = /\.([A-Za-z0-9]+)(\.gz)?$/.exec(file);
  switch (m?.[1].toLowerCase()) {
    case 'csv': return 'csv';
    case 'parquet': case 'pq': return 'parquet';
    case 'fits': case 'fit': case 'fts': return 'fits';
    case 'vot': case 'votable': case 'xml': return 'vot';
    default: return undefined;
  }
}

export interface TableMeta {
  units?: Record<string, string>;
  ucds?: Record<string, string>;
  descriptions?: Record<string, string>;
  /** Text columns written as 64-bit integers where every value is one (ids). */
  integerColumns?: readonly string[];
  /** Key-value metadata (Parquet). */
  kv?: Record<string, string>;
  description?: string;
}

function csvCell(v: unknown): string {
  const s = typeof v === 'bigint' ? v.toString() : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Writes the table to `file` (a temporary name, usually) in `format`. */
export async function writeTableFile(file: string, table: ColumnTable, format: TableFormat, meta: TableMeta = {}): Promise<void> {
  switch (format) {
    case 'parquet': {
      const { writeParquetTable } = await import('./parquet.js');
      writeParquetTable(file, table, meta.kv ?? {});
      return;
    }
    case 'fits': {
      const { writeFitsTable } = await import('./fits-write.js');
      writeFitsTable(file, table, { units: meta.units, integerColumns: meta.integerColumns });
      return;
    }
    case 'vot': case 'vot-binary2': {
      const { writeVoTable } = await import('./votable-write.js');
      writeVoTable(file, table, {
        format: format === 'vot' ? 'tabledata' : 'binary2', units: meta.units, ucds: meta.ucds, descriptions: meta.descriptions,
        integerColumns: meta.integerColumns, description: meta.description,
      });
      return;
    }
    case 'csv': {
      const { writeFileSync } = await import('node:fs');
      const lines = [table.columns.map((c) => csvCell(c.name)).join(',')];
      for (let i = 0; i < table.length; i++) {
        lines.push(table.columns.map((c) => (c.valid && !c.valid[i] ? '' : csvCell(c.type === 'bool' ? c.values[i] === 1 : c.values[i]))).join(','));
      }
      writeFileSync(file, `${lines.join('\n')}\n`);
    }
  }
}
