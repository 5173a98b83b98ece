// skyjoin's own version, for provenance: from its package.json
// (src/registry -> ../.., dist/src/registry -> ../../..).

import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function skyjoinVersion(): string {
  if (cached) return cached;
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'skyjoin' && pkg.version) return (cached = pkg.version);
    } catch {
      // try the next place
    }
  }
  return (cached = 'unknown');
}
