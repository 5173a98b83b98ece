// Service configuration: every limit is an option with a default, checked
// when the app is built, so a bad config fails at start, not on a request.

import { ConfigError } from '../catalog/set.js';
import { publicBase } from '../objects/links.js';
import { resolveNotifyConfig, type NotifyConfig, type NotifyOptions } from '../notify/config.js';

export interface ServiceLimits {
  /** Sources in one POST /v1/sources upload. */
  maxSourcesPerUpload: number;
  /** Sources in one POST /v1/xmatch call. */
  maxSyncSources: number;
  /** Positions in one watch-list check. */
  maxCheckPositions: number;
  /** Targets in one POST /v1/watchlists/{id}/targets. */
  maxTargetsPerRequest: number;
  /** Request body size, bytes (JSON, CSV or Arrow uploads; checked while the body arrives). */
  maxBodyBytes: number;
  /** Largest cone or match radius, arcsec (648000 = 180 deg: no cap). */
  maxRadiusArcsec: number;
  /** Most rows a cone search returns (nearest first). */
  maxConeRows: number;
  /** Largest page of matches (sources per page) for GET /v1/sources/{id}/matches. */
  maxPageSources: number;
}

export interface ServiceConfig {
  /** Folder of LMDB state (keys, uploads, watch lists) and built shipped catalogs. */
  dataDir: string;
  /** Folder of .arrow catalogs or a JSON catalog config; default: the shipped catalogs. */
  catalogs?: string;
  limits: ServiceLimits;
  /** Seconds an upload is kept. */
  uploadTtlSeconds: number;
  /**
   * Who may call without an API key. reads: catalogs, cone search, matches of
   * an upload; uploads: POST /v1/sources and POST /v1/xmatch. 'open' lets
   * anyone, 'key' asks for a key. Watch lists always need a key; /healthz,
   * /metrics and /docs never do.
   */
  access: ServiceAccess;
  /** Requests per minute per API key (0 = unlimited); anonymous callers are limited per IP. */
  rateLimitPerMinute: number;
  anonymousRateLimitPerMinute: number;
  logger: boolean | Record<string, unknown>;
  /**
   * Base of the absolute URLs in answers (objects, alerts, cutouts), e.g.
   * https://broker.example.org; when absent, each answer uses the URL the
   * request came to (scheme and Host header).
   */
  publicUrl?: string;
  /** Which stream store to serve objects from: DATA/stream-<instance> (the stream's --instance). */
  streamInstance?: string;
  /** Notifications: public base URL for links, SMTP server, private networks webhooks may reach, retries (src/notify/config.ts). */
  notify: NotifyConfig;
}

export interface ServiceAccess {
  reads: 'open' | 'key';
  uploads: 'open' | 'key';
}

export const DEFAULT_LIMITS: ServiceLimits = {
  maxSourcesPerUpload: 2_000_000,
  maxSyncSources: 10_000,
  maxCheckPositions: 100_000,
  maxTargetsPerRequest: 2_000_000,
  // 10^6 sources as JSON with full-precision coordinates and a radius are
  // ~100 MB (as CSV ~60 MB, as Arrow ~30 MB).
  maxBodyBytes: 128 * 1024 * 1024,
  maxRadiusArcsec: 648_000,
  maxConeRows: 100_000,
  maxPageSources: 5_000_000,
};

export type ServiceOptions = Partial<Omit<ServiceConfig, 'limits' | 'access' | 'notify'>> & {
  notify?: NotifyOptions;
  dataDir: string;
  limits?: Partial<ServiceLimits>;
  access?: Partial<ServiceAccess>;
  /** Older spelling of access.reads = 'key' (which then makes uploads 'key' too unless access.uploads says otherwise). */
  requireKeyForReads?: boolean;
};

const OPTION_KEYS = ['dataDir', 'catalogs', 'limits', 'uploadTtlSeconds', 'access', 'requireKeyForReads', 'rateLimitPerMinute', 'anonymousRateLimitPerMinute', 'logger', 'publicUrl', 'streamInstance', 'notify'];

function accessOf(o: ServiceOptions): ServiceAccess {
  const a = o.access ?? {};
  if (typeof a !== 'object' || a === null || Array.isArray(a)) throw new ConfigError(`access must be an object {reads, uploads}, got ${JSON.stringify(a)}`);
  for (const k of Object.keys(a)) if (k !== 'reads' && k !== 'uploads') throw new ConfigError(`unknown access setting '${k}' (known: reads, uploads)`);
  for (const k of ['reads', 'uploads'] as const) {
    if (a[k] !== undefined && a[k] !== 'open' && a[k] !== 'key') throw new ConfigError(`access.${k} must be 'open' or 'key', got ${JSON.stringify(a[k])}`);
  }
  if (o.requireKeyForReads !== undefined && typeof o.requireKeyForReads !== 'boolean') throw new ConfigError(`requireKeyForReads must be true or false, got ${JSON.stringify(o.requireKeyForReads)}`);
  if (o.requireKeyForReads && a.reads === 'open') throw new ConfigError("requireKeyForReads: true contradicts access.reads: 'open'");
  const reads = a.reads ?? (o.requireKeyForReads ? 'key' : 'open');
  const uploads = a.uploads ?? reads;
  // An anonymous upload whose matches only a key can read is no use to its sender.
  if (uploads === 'open' && reads === 'key') throw new ConfigError("access.uploads 'open' needs access.reads 'open' (anonymous uploaders could not read their matches)");
  return { reads, uploads };
}

function positiveInt(name: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new ConfigError(`${name} must be an integer in [1, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

export function resolveConfig(o: ServiceOptions): ServiceConfig {
  if (!o || typeof o.dataDir !== 'string' || o.dataDir === '') throw new ConfigError('dataDir is required');
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.includes(k)) throw new ConfigError(`unknown option '${k}' (known: ${OPTION_KEYS.join(', ')})`);
  }
  const l = { ...DEFAULT_LIMITS, ...(o.limits ?? {}) };
  for (const k of Object.keys(o.limits ?? {})) {
    if (!(k in DEFAULT_LIMITS)) throw new ConfigError(`unknown limit '${k}' (known: ${Object.keys(DEFAULT_LIMITS).join(', ')})`);
  }
  positiveInt('limits.maxSourcesPerUpload', l.maxSourcesPerUpload);
  positiveInt('limits.maxSyncSources', l.maxSyncSources);
  positiveInt('limits.maxCheckPositions', l.maxCheckPositions);
  positiveInt('limits.maxTargetsPerRequest', l.maxTargetsPerRequest);
  positiveInt('limits.maxBodyBytes', l.maxBodyBytes, 2 ** 31);
  positiveInt('limits.maxConeRows', l.maxConeRows);
  positiveInt('limits.maxPageSources', l.maxPageSources);
  if (!(l.maxRadiusArcsec > 0 && l.maxRadiusArcsec <= 648_000)) throw new ConfigError(`limits.maxRadiusArcsec must be in (0, 648000], got ${l.maxRadiusArcsec}`);
  const ttl = o.uploadTtlSeconds ?? 86_400;
  positiveInt('uploadTtlSeconds', ttl);
  const rate = o.rateLimitPerMinute ?? 0, anon = o.anonymousRateLimitPerMinute ?? 0;
  if (!(Number.isInteger(rate) && rate >= 0)) throw new ConfigError(`rateLimitPerMinute must be an integer >= 0 (0 = unlimited), got ${rate}`);
  if (!(Number.isInteger(anon) && anon >= 0)) throw new ConfigError(`anonymousRateLimitPerMinute must be an integer >= 0 (0 = unlimited), got ${anon}`);
  let publicUrl: string | undefined;
  if (o.publicUrl !== undefined) {
    if (typeof o.publicUrl !== 'string') throw new ConfigError(`publicUrl must be a string, got ${JSON.stringify(o.publicUrl)}`);
    try {
      publicUrl = publicBase(o.publicUrl, 'publicUrl');
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }
  if (o.streamInstance !== undefined && (typeof o.streamInstance !== 'string' || !/^[A-Za-z0-9_.-]{1,64}$/.test(o.streamInstance))) {
    throw new ConfigError(`streamInstance must be 1-64 of [A-Za-z0-9_.-], got ${JSON.stringify(o.streamInstance)}`);
  }
  return {
    dataDir: o.dataDir, catalogs: o.catalogs, limits: l, uploadTtlSeconds: ttl,
    access: accessOf(o), rateLimitPerMinute: rate, anonymousRateLimitPerMinute: anon,
    logger: o.logger ?? false, publicUrl, streamInstance: o.streamInstance,
    notify: resolveNotifyConfig(o.notify, o.dataDir, publicUrl),
  };
}
