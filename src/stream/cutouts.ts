// Cutout images written once, as files named by alert id, so that outputs
// carry a path instead of the image bytes. Atomic (temporary file, rename)
// and idempotent: a replay rewrites the same bytes under the same name.

import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Alert } from './decoding/alert.js';

export function writeCutouts(root: string, a: Alert): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  const id = a.alertId.toString();
  const dir = path.join(a.survey, a.night, id.slice(-3));
  for (const kind of ['science', 'template', 'difference'] as const) {
    const bytes = a.cutouts[kind];
    if (!bytes || bytes.length === 0) continue;
    const rel = path.join(dir, `${id}.${kind}.${a.cutouts.format}`);
    const abs = path.join(root, rel);
    if (!existsSync(abs)) {
      mkdirSync(path.dirname(abs), { recursive: true });
      const tmp = `${abs}.${process.pid}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, abs);
    }
    out[kind] = rel;
  }
  return Object.keys(out).length ? out : undefined;
}
