// Absolute URLs of what `skyjoin serve` publishes (objects, alerts, cutouts),
// from a public base URL: what output records and watch-list hits carry
// instead of local file paths. One definition for the stream (its output
// records) and the service (its answers), so both point at the same routes.

export const CUTOUT_KINDS = ['science', 'template', 'difference'] as const;
export type CutoutKind = (typeof CUTOUT_KINDS)[number];

/** The base used when none is configured: where `skyjoin serve` listens by default. */
export const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:8080';

/**
 * A public base URL as given (flag, config, environment), checked: http(s),
 * no query or fragment; the trailing slash is dropped. Throws a RangeError
 * naming the value.
 */
export function publicBase(url: string, what = 'public URL'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new RangeError(`${what} must be an absolute http(s) URL, got '${url.slice(0, 200)}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`${what} must use http or https, got '${u.protocol}'`);
  if (u.search || u.hash) throw new RangeError(`${what} must have no query or fragment, got '${url.slice(0, 200)}'`);
  return u.href.replace(/\/+$/, '');
}

export class Links {
  constructor(readonly base: string) {}

  object(objectId: number | string): string {
    return `${this.base}/v1/objects/${objectId}`;
  }

  lightCurve(objectId: number | string): string {
    return `${this.base}/v1/objects/${objectId}/lightcurve`;
  }

  portalObject(objectId: number | string): string {
    return `${this.base}/#/objects/${objectId}`;
  }

  alert(alertId: string | bigint): string {
    return `${this.base}/v1/alerts/${alertId}`;
  }

  alertAvro(alertId: string | bigint): string {
    return `${this.base}/v1/alerts/${alertId}/avro`;
  }

  cutout(alertId: string | bigint, kind: CutoutKind, format: 'fits' | 'png'): string {
    return `${this.base}/v1/alerts/${alertId}/cutouts/${kind}.${format}`;
  }

  /** FITS URLs of the cutouts an alert has (the kinds present in `stored`). */
  cutouts(alertId: string | bigint, stored: Partial<Record<string, string>> | undefined): Record<string, string> | undefined {
    if (!stored) return undefined;
    const out: Record<string, string> = {};
    for (const k of CUTOUT_KINDS) if (stored[k]) out[k] = this.cutout(alertId, k, 'fits');
    return out;
  }
}
