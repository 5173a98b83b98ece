// librdkafka-style properties (the `key=value` files Rubin and the brokers
// document access with), overridden by environment variables: `a.b.c` is
// SKYJOIN_<PREFIX>_A_B_C. Values are taken as written (a password may hold
// `=`, `#` or spaces inside); only the spaces around key and value go.

import { readFileSync } from 'node:fs';

export class KafkaConfigError extends Error {
  override name = 'KafkaConfigError';
}

/** A property's value and where it came from (a file line or an env variable), for error messages. */
export interface Property {
  value: string;
  origin: string;
}

/** Reads `key=value` lines (`#` and `!` comments, blank lines); a key given twice is refused. */
export function readProperties(file: string): Map<string, Property> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new KafkaConfigError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const out = new Map<string, Property>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) return;
    const eq = line.indexOf('=');
    const where = `${file}:${i + 1}`;
    // The line is not quoted back: a malformed one may be a bare secret.
    if (eq <= 0) throw new KafkaConfigError(`${where}: expected key=value`);
    const key = line.slice(0, eq).trim();
    if (!/^[a-z][a-z0-9_.-]*$/i.test(key)) throw new KafkaConfigError(`${where}: bad property name`);
    if (out.has(key)) throw new KafkaConfigError(`${where}: '${key}' is given twice (first at ${out.get(key)!.origin})`);
    out.set(key, { value: line.slice(eq + 1).trim(), origin: where });
  });
  return out;
}

/**
 * Properties from `SKYJOIN_<prefix>_*` variables, over `base`. `ignore` names
 * variables of that prefix that are not properties (e.g. SKYJOIN_KAFKA_LOG).
 */
export function withEnvOverrides(base: Map<string, Property>, prefix: string, env: NodeJS.ProcessEnv, ignore: readonly string[] = []): Map<string, Property> {
  const out = new Map(base);
  const head = `SKYJOIN_${prefix}_`;
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(head) || value === undefined || ignore.includes(name)) continue;
    out.set(name.slice(head.length).toLowerCase().replace(/_/g, '.'), { value: value.trim(), origin: `$${name}` });
  }
  return out;
}

/** The file's properties (none without a file) with the environment over them. */
export function loadProperties(file: string | undefined, prefix: string, env: NodeJS.ProcessEnv, ignore: readonly string[] = []): Map<string, Property> {
  return withEnvOverrides(file ? readProperties(file) : new Map(), prefix, env, ignore);
}
