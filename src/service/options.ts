// Service configuration: every limit is an option with a default, checked
// when the app is built, so a bad config fails at start, not on a request.

import { ConfigError } from '../catalog/set.js';

export interface ServiceLimits {
  /** Sources in one POST /v1/sources upload. */
  maxSourcesPerUpload: number;
  /** Sources in one POST /v1/xmatch call. */
  maxSyncSources: number;
  /** Positions in one watch-list check. */
  maxCheckPositions: number;
  /** Targets in one POST /v1/watchlists/{id}/targets. */
  maxTargetsPerRequest: number;
  /** Request body size, bytes. */
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
  /** Require an API key for read-only endpoints too. */
  requireKeyForReads: boolean;
  /** Requests per minute per API key (0 = unlimited); anonymous callers are limited per IP. */
  rateLimitPerMinute: number;
  anonymousRateLimitPerMinute: number;
  logger: boolean | Record<string, unknown>;
}

export const DEFAULT_LIMITS: ServiceLimits = {
  maxSourcesPerUpload: 5_000_000,
  maxSyncSources: 10_000,
  maxCheckPositions: 100_000,
  maxTargetsPerRequest: 2_000_000,
  maxBodyBytes: 1024 * 1024 * 1024,
  maxRadiusArcsec: 648_000,
  maxConeRows: 100_000,
  maxPageSources: 5_000_000,
};

export type ServiceOptions = Partial<Omit<ServiceConfig, 'limits'>> & { dataDir: string; limits?: Partial<ServiceLimits> };

function positiveInt(name: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new ConfigError(`${name} must be an integer in [1, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

export function resolveConfig(o: ServiceOptions): ServiceConfig {
  if (!o || typeof o.dataDir !== 'string' || o.dataDir === '') throw new ConfigError('dataDir is required');
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
  return {
    dataDir: o.dataDir, catalogs: o.catalogs, limits: l, uploadTtlSeconds: ttl,
    requireKeyForReads: o.requireKeyForReads ?? false, rateLimitPerMinute: rate, anonymousRateLimitPerMinute: anon,
    logger: o.logger ?? false,
  };
}
