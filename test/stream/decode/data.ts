// Paths to the shared real data and small readers for its index files.

import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');
export const ZTF_ALERTS = path.join(DATA, 'ztf/alerts');
export const LSST_SCHEMAS = path.join(DATA, 'lsst/schema');
export const FINK_LSST = path.join(DATA, 'lsst/real_alerts_fink/fink_lsst_v9_0_20250906_100alerts.avro');
export const WIRE_SAMPLE = path.join(DATA, 'lsst/samples/pittgoogle_lsst_v11_1_confluent_wire.avro');
export const FAKE_V11 = path.join(DATA, 'lsst/samples/alert_packet_v11_0_fakeAlert.avro');

export function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/** Plain CSV (no quoted fields in these index files) as header-keyed rows. */
export function readCsv(file: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(file, 'utf8').trimEnd().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    if (cells.length !== cols.length) throw new Error(`${file}: ${cells.length} cells, expected ${cols.length}`);
    return Object.fromEntries(cols.map((c, i) => [c, cells[i]]));
  });
}

export function bytes(file: string): Buffer {
  return readFileSync(file);
}
