// skyjoin keys create NAME | list | revoke ID   [--data DIR] [--rate-limit N]

import { openStore } from '../service/app.js';
import { KeyStore } from '../service/keys.js';
import { numberFlag, optionalString, parse } from './args.js';
import { defaultDataDir } from './data-dir.js';
import { UsageError } from './errors.js';

const USAGE = `usage: skyjoin keys create NAME [--rate-limit PER_MINUTE] [--data DIR]
       skyjoin keys list [--data DIR]
       skyjoin keys revoke ID [--data DIR]
Keys are stored hashed in the service's LMDB store; the key itself is printed once.`;

export async function keysCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { data: { type: 'string' }, 'rate-limit': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, USAGE, true);
  if (values.help) { process.stdout.write(`${USAGE}\n`); return 0; }
  const [sub, arg] = positionals;
  const env = openStore(optionalString(values, 'data') ?? defaultDataDir());
  const keys = new KeyStore(env);
  try {
    if (sub === 'create') {
      if (!arg) throw new UsageError(`keys create needs a NAME\n${USAGE}`);
      const rate = numberFlag(values, 'rate-limit', { min: 1, integer: true }, USAGE);
      const { key, record } = await keys.create(arg, Number.isNaN(rate) ? undefined : rate);
      process.stdout.write(`${key}\n`);
      process.stderr.write(`created key ${record.id} for '${record.name}' (shown once: keep it)\n`);
    } else if (sub === 'list') {
      for (const k of keys.list()) process.stdout.write(`${k.id}\t${k.name}\t${k.createdAt}\t${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}\n`);
    } else if (sub === 'revoke') {
      if (!arg) throw new UsageError(`keys revoke needs an ID\n${USAGE}`);
      if (!(await keys.revoke(arg))) throw new UsageError(`no active key with id '${arg}'`);
      process.stdout.write(`revoked ${arg}\n`);
    } else {
      throw new UsageError(USAGE);
    }
  } finally {
    await env.close();
  }
  return 0;
}
