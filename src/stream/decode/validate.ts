// Is a decoded alert usable downstream? Returns a short reason code (the
// stream dead-letters the alert with it) or null when the alert is fine.

import { type Alert, BANDS } from '../alert.js';

// MJD 40587 = 1970-01-01 and 88069 = 2100-01-01: far outside any survey's life.
const MIN_MJD = 40587;
const MAX_MJD = 88069;
const MAX_INT64 = 2n ** 63n - 1n;

export type InvalidReason =
  | 'bad_alert_id'
  | 'missing_object_id'
  | 'bad_ra'
  | 'bad_dec'
  | 'bad_time'
  | 'unknown_band'
  | 'missing_photometry';

export function validateAlert(alert: Alert): InvalidReason | null {
  if (typeof alert.alertId !== 'bigint' || alert.alertId <= 0n || alert.alertId > MAX_INT64) return 'bad_alert_id';
  if (typeof alert.surveyObjectId !== 'string' || alert.surveyObjectId === '') return 'missing_object_id';
  // Comparisons are false for NaN, so these also reject NaN.
  if (!(alert.ra >= 0 && alert.ra < 360)) return 'bad_ra';
  if (!(alert.dec >= -90 && alert.dec <= 90)) return 'bad_dec';
  if (!(alert.mjd >= MIN_MJD && alert.mjd <= MAX_MJD)) return 'bad_time';
  if (alert.band === null || !BANDS.includes(alert.band)) return 'unknown_band';
  const hasMag = alert.mag !== null && Number.isFinite(alert.mag);
  const hasFlux = alert.flux !== null && Number.isFinite(alert.flux);
  if (!hasMag && !hasFlux) return 'missing_photometry';
  return null;
}
