// Where skyjoin keeps its state when no --data is given: $SKYJOIN_DATA, else
// $XDG_DATA_HOME/skyjoin, else ~/.local/share/skyjoin.

import os from 'node:os';
import path from 'node:path';

export function defaultDataDir(): string {
  if (process.env.SKYJOIN_DATA) return path.resolve(process.env.SKYJOIN_DATA);
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'skyjoin');
}
