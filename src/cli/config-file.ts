// The JSON config file (--config FILE) that serve, stream and notify share:
// serve reads the whole of it, stream and notify its `notify` section.

import { readFileSync } from 'node:fs';
import { fsReason } from '../catalog/fs-errors.js';
import { resolveNotifyConfig, type NotifyConfig, type NotifyOptions } from '../notify/config.js';
import { CliError } from './errors.js';

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`--config ${file}: cannot read: ${fsReason(err)}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new CliError(`--config ${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new CliError(`--config ${file}: must hold a JSON object`);
  return v as Record<string, unknown>;
}

/**
 * The notify section of --config FILE (defaults when there is no file),
 * checked. Links in notifications default to `publicUrl` (--public-url or
 * $SKYJOIN_PUBLIC_URL), else the file's "publicUrl", as the service's answers do.
 */
export function notifyConfig(file: string | undefined, dataDir: string, publicUrl?: string): NotifyConfig {
  const conf = file ? readConfigFile(file) : {};
  const base = publicUrl ?? (typeof conf.publicUrl === 'string' ? conf.publicUrl : undefined) ?? process.env.SKYJOIN_PUBLIC_URL;
  try {
    return resolveNotifyConfig(conf.notify as NotifyOptions | undefined, dataDir, base);
  } catch (err) {
    if ((err as Error).name === 'ConfigError') throw new CliError(`bad configuration${file ? ` in ${file}` : ''}: ${(err as Error).message}`);
    throw err;
  }
}
