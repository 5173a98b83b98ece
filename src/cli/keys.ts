// skyjoin keys create NAME | list | revoke ID   [--data DIR] [--rate-limit N]

import { existsSync } from 'node:fs';
import path from 'node:path';
import { helpHint, numberFlag, optionalString, parse } from './args.js';
import { defaultDataDir } from './data-dir.js';
import { CliError, UsageError } from './errors.js';

const USAGE = `usage: skyjoin keys <create NAME | list | revoke ID> [--data DIR]
  create NAME [--rate-limit PER_MINUTE]   make a key; it is printed once (stdout), keep it
  list                                    id, name, creation time and state of every key
  revoke ID                               the key stops working at once
Keys are stored hashed in the service's LMDB store under DIR (--data, else $SKYJOIN_DATA or
~/.local/share/skyjoin), the store 'skyjoin serve --data DIR' reads.`;

export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, 'rate-limit': { type: 'string' } }, USAGE, true);
  const [sub, arg, ...extra] = positionals;
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') {
    throw new UsageError(sub === undefined ? `which one: create, list or revoke?${helpHint(USAGE)}` : `unknown keys subcommand '${sub}'${helpHint(USAGE)}`);
  }
  if (sub === 'create' && !arg) throw new UsageError(`keys create needs a NAME${helpHint(USAGE)}`);
  if (sub === 'revoke' && !arg) throw new UsageError(`keys revoke needs an ID${helpHint(USAGE)}`);
  const unexpected = sub === 'list' ? arg : extra[0];
  if (unexpected !== undefined) throw new UsageError(`unexpected argument '${unexpected}'${helpHint(USAGE)}`);
  if (sub !== 'create' && values['rate-limit'] !== undefined) throw new UsageError('--rate-limit goes with keys create');
  const rate = numberFlag(values, 'rate-limit', { min: 1, integer: true }, USAGE);
  const dataDir = optionalString(values, 'data') ?? defaultDataDir();
  // Listing or revoking reads a store that must exist: it is never created here.
  if (sub !== 'create' && !existsSync(path.join(dataDir, 'store'))) {
    throw new CliError(`${dataDir} holds no service store (no key was ever created there)`);
  }
  const { openStore } = await import('../watch/open.js');
  const { KeyStore } = await import('../service/keys.js');
  const env = openStore(dataDir);
  const keys = new KeyStore(env);
  try {
    if (sub === 'create') {
      const { key, record } = await keys.create(arg, Number.isNaN(rate) ? undefined : rate);
      process.stdout.write(`${key}\n`);
      process.stderr.write(`created key ${record.id} for '${record.name}' (shown once: keep it)\n`);
    } else if (sub === 'list') {
      for (const k of keys.list()) process.stdout.write(`${k.id}\t${k.name}\t${k.createdAt}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\n`);
    } else {
      if (!(await keys.revoke(arg))) throw new CliError(`no active key with id '${arg}'`);
      process.stdout.write(`revoked ${arg}\n`);
    }
  } finally {
    await env.close();
  }
  return 0;
}
