// A recorded watch-list hit as the outside world sees it: the fields
// GET /v1/watchlists/{id}/hits answers and the `watchlist-ID` output stream
// carries (schemas/watchhit.avsc), snake_case like the rest of the API. One
// definition for both, so a consumer of either reads the same names.

import type { HitRecord } from './store.js';

export interface HitFields {
  watchlist_id: string;
  kind: 'target' | 'region';
  /** Target name, or region name when kind is 'region'. */
  target: string;
  sep_arcsec: number | null;
  alert_id: string;
  object_id: string;
  survey: string | null;
  ra: number;
  dec: number;
  mjd: number;
  band: string | null;
  mag: number | null;
  mag_err: number | null;
  recorded_at: string;
}

export function hitFields(h: HitRecord): HitFields {
  return {
    watchlist_id: h.watchlist,
    kind: h.kind ?? 'target',
    target: h.target,
    sep_arcsec: h.sepArcsec,
    alert_id: h.alertId,
    object_id: h.objectId,
    survey: h.survey ?? null,
    ra: h.ra,
    dec: h.dec,
    mjd: h.mjd,
    band: h.band ?? null,
    mag: h.mag ?? null,
    mag_err: h.magErr ?? null,
    recorded_at: h.recordedAt,
  };
}

/** JSON Schema of HitFields (the service's response schema and OpenAPI). */
export const hitFieldsSchema = {
  type: 'object',
  description: 'A hit recorded by the alert stream (the same fields as the watchlist-ID output stream)',
  required: ['watchlist_id', 'kind', 'target', 'sep_arcsec', 'alert_id', 'object_id', 'survey', 'ra', 'dec', 'mjd', 'band', 'mag', 'mag_err', 'recorded_at'],
  properties: {
    watchlist_id: { type: 'string', description: 'Watch list id' },
    kind: { type: 'string', enum: ['target', 'region'], description: 'A target of the list, or one of its watch regions' },
    target: { type: 'string', description: 'Target name (region name when kind is region)' },
    sep_arcsec: { type: 'number', nullable: true, description: 'Separation of the alert from the target or circle centre, arcsec; null for a MOC region' },
    alert_id: { type: 'string', description: 'Alert id (ZTF candid, Rubin diaSourceId) as a decimal string', examples: ['2475433850015010009'] },
    object_id: { type: 'string', description: "skyjoin's object id of the alert" },
    survey: { type: 'string', nullable: true, description: 'Survey of the alert (ztf, lsst)' },
    ra: { type: 'number', description: 'Alert RA, degrees' },
    dec: { type: 'number', description: 'Alert Dec, degrees' },
    mjd: { type: 'number', description: "Observation time of the alert, MJD in the survey's own scale (ZTF: UTC; Rubin: TAI)" },
    band: { type: 'string', nullable: true, description: "Band of the alert's detection (ZTF g, r, i; Rubin u, g, r, i, z, y)" },
    mag: { type: 'number', nullable: true, description: "Magnitude of the alert's detection (ZTF magpsf; Rubin AB magnitude of a positive flux)" },
    mag_err: { type: 'number', nullable: true, description: 'Magnitude error' },
    recorded_at: { type: 'string', format: 'date-time', description: 'When the hit was recorded (ISO 8601)' },
    object_url: { type: 'string', description: 'The object at the service (GET /v1/objects/{id}), an absolute URL' },
    alert_url: { type: 'string', description: 'The alert at the service (GET /v1/alerts/{alert_id}), an absolute URL' },
  },
} as const;
