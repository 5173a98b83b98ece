// Notification settings: the `notify` section of the JSON config file that
// `skyjoin serve`, `skyjoin stream` and `skyjoin notify` read (--config FILE).
// Every setting has a default and is checked when a process starts, so a bad
// config fails at boot with one line naming the setting.

import path from 'node:path';
import { ConfigError } from '../catalog/set.js';

/** Address ranges a webhook may point at only when the config names them. */
export const NETWORK_CLASSES = ['loopback', 'private', 'link-local'] as const;
export type NetworkClass = (typeof NETWORK_CLASSES)[number];

export interface SmtpConfig {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to send unless the server upgrades with STARTTLS. */
  requireTLS: boolean;
  /** Check the server's TLS certificate (default true; false for a local relay with a self-signed one). */
  rejectUnauthorized: boolean;
  user?: string;
  pass?: string;
  /** The From address of every notification mail. */
  from: string;
}

export interface NotifyConfig {
  /** Base URL of the public site: notifications link to BASE/#/objects/ID (the portal's page) and BASE/v1/objects/ID (JSON). */
  publicBaseUrl: string;
  /** Private ranges webhook, Slack and VOEvent URLs may point at (none by default). */
  allowNetworks: NetworkClass[];
  /** A subscription failing without a success for this long is paused (its backlog kept). */
  pauseAfterHours: number;
  /** Time limit of one HTTP or SMTP delivery. */
  timeoutSeconds: number;
  /** Bytes of a receiver's response read at most (the rest is dropped). */
  maxResponseBytes: number;
  /** Retry delays: base * 2^(attempt-1), capped, with jitter. */
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** How long an idempotency key is remembered so a replayed message is not queued again. */
  dedupeHours: number;
  /** Most messages in one notification (digest, or messages held by a rate limit or quiet hours). */
  maxMessagesPerNotification: number;
  /** Delivery attempts kept per subscription for GET /v1/subscriptions/{id}/deliveries. */
  deliveriesKept: number;
  /** Authority of VOEvent IVORNs: ivo://AUTHORITY/skyjoin#... */
  voeventAuthority: string;
  /** Where VOEvent packets of subscriptions with {"type": "voevent", "folder": true} go (default DATA/notify/voevent). */
  voeventDir: string;
  smtp: SmtpConfig | null;
}

export type NotifyOptions = Partial<Omit<NotifyConfig, 'smtp' | 'voeventDir'>> & { smtp?: Partial<SmtpConfig> | null; voeventDir?: string };

const KEYS = ['publicBaseUrl', 'allowNetworks', 'pauseAfterHours', 'timeoutSeconds', 'maxResponseBytes', 'retryBaseSeconds', 'retryMaxSeconds',
  'dedupeHours', 'maxMessagesPerNotification', 'deliveriesKept', 'voeventAuthority', 'voeventDir', 'smtp'];
const SMTP_KEYS = ['host', 'port', 'secure', 'requireTLS', 'rejectUnauthorized', 'user', 'pass', 'from'];

function num(name: string, v: unknown, def: number, min: number, max: number, integer = false): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new ConfigError(`notify.${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function smtpOf(s: unknown): SmtpConfig | null {
  if (s === undefined || s === null) return null;
  if (typeof s !== 'object' || Array.isArray(s)) throw new ConfigError('notify.smtp must be an object {host, port, secure, user, pass, from}');
  const o = s as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!SMTP_KEYS.includes(k)) throw new ConfigError(`unknown setting 'notify.smtp.${k}' (known: ${SMTP_KEYS.join(', ')})`);
  if (typeof o.host !== 'string' || o.host === '') throw new ConfigError('notify.smtp.host is required (the SMTP server)');
  if (typeof o.from !== 'string' || !/^[^@\s]+@[^@\s]+$|<[^@\s]+@[^@\s]+>$/.test(o.from)) throw new ConfigError(`notify.smtp.from must be an e-mail address, got ${JSON.stringify(o.from)}`);
  for (const k of ['secure', 'requireTLS', 'rejectUnauthorized'] as const) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw new ConfigError(`notify.smtp.${k} must be true or false`);
  for (const k of ['user', 'pass'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') throw new ConfigError(`notify.smtp.${k} must be a string`);
  const secure = (o.secure as boolean | undefined) ?? false;
  return {
    host: o.host, port: num('smtp.port', o.port, secure ? 465 : 587, 1, 65535, true), secure,
    requireTLS: (o.requireTLS as boolean | undefined) ?? false, rejectUnauthorized: (o.rejectUnauthorized as boolean | undefined) ?? true, user: o.user as string | undefined, pass: o.pass as string | undefined, from: o.from,
  };
}

/**
 * The checked settings; `dataDir` places the default VOEvent folder;
 * `publicUrl` (the service's and stream's public URL) is the default of publicBaseUrl.
 */
export function resolveNotifyConfig(o: NotifyOptions | undefined, dataDir: string, publicUrl?: string): NotifyConfig {
  const opts = o ?? {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw new ConfigError('notify must be an object');
  for (const k of Object.keys(opts)) if (!KEYS.includes(k)) throw new ConfigError(`unknown setting 'notify.${k}' (known: ${KEYS.join(', ')})`);
  const base = opts.publicBaseUrl ?? publicUrl ?? 'http://127.0.0.1:8080';
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ConfigError(`notify.publicBaseUrl must be an http(s) URL, got ${JSON.stringify(base)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`notify.publicBaseUrl must be an http(s) URL, got ${JSON.stringify(base)}`);
  const nets = opts.allowNetworks ?? [];
  if (!Array.isArray(nets) || nets.some((n) => !(NETWORK_CLASSES as readonly string[]).includes(n))) {
    throw new ConfigError(`notify.allowNetworks must be a list of ${NETWORK_CLASSES.join(', ')}, got ${JSON.stringify(nets)}`);
  }
  const auth = opts.voeventAuthority ?? 'skyjoin.invalid';
  if (typeof auth !== 'string' || !/^[\w.~*'()-]{3,}$/.test(auth)) throw new ConfigError(`notify.voeventAuthority must be an IVOA authority id (3+ of letters, digits, ._~*'()-), got ${JSON.stringify(auth)}`);
  if (opts.voeventDir !== undefined && (typeof opts.voeventDir !== 'string' || opts.voeventDir === '')) throw new ConfigError('notify.voeventDir must be a folder path');
  const retryBase = num('retryBaseSeconds', opts.retryBaseSeconds, 1, 0.001, 3600);
  return {
    publicBaseUrl: base.replace(/\/+$/, ''),
    allowNetworks: [...new Set(nets)],
    pauseAfterHours: num('pauseAfterHours', opts.pauseAfterHours, 24, 0, 24 * 365),
    timeoutSeconds: num('timeoutSeconds', opts.timeoutSeconds, 10, 0.01, 600),
    maxResponseBytes: num('maxResponseBytes', opts.maxResponseBytes, 16 * 1024, 0, 1024 * 1024, true),
    retryBaseSeconds: retryBase,
    retryMaxSeconds: num('retryMaxSeconds', opts.retryMaxSeconds, 600, retryBase, 86_400),
    dedupeHours: num('dedupeHours', opts.dedupeHours, 168, 0, 24 * 365),
    maxMessagesPerNotification: num('maxMessagesPerNotification', opts.maxMessagesPerNotification, 1000, 1, 100_000, true),
    deliveriesKept: num('deliveriesKept', opts.deliveriesKept, 100, 1, 100_000, true),
    voeventAuthority: auth,
    voeventDir: path.resolve(opts.voeventDir ?? path.join(dataDir, 'notify', 'voevent')),
    smtp: smtpOf(opts.smtp),
  };
}
