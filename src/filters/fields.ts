// What a filter expression sees: every field, its CEL type, its unit and what
// it means. The expression checker (language.ts) declares exactly these, so a
// misspelt or mistyped field is refused when the filter is created; the
// README's field table is this list (a test keeps the two equal).
//
// Numbers are CEL doubles. A number the survey or the history does not give
// is NaN: every comparison with NaN is false, so `alert.drb > 0.5` is false
// for a Rubin alert, and `!(alert.drb > 0.5)` true.

export type FieldType = 'double' | 'string' | 'bool' | 'list<string>' | 'map<string, dyn>';

export interface FieldDoc {
  /** The name as written in an expression (per-band fields: one per band). */
  name: string;
  type: FieldType;
  /** Unit, or '' for none. */
  unit: string;
  doc: string;
}

/** Bands with per-band features (ZTF g, r, i; Rubin u, g, r, i, z, y). */
export const BANDS = ['u', 'g', 'r', 'i', 'z', 'y'] as const;
/** Colours at the latest epoch: first band minus second. */
export const COLOURS = [['u', 'g'], ['g', 'r'], ['r', 'i'], ['i', 'z'], ['z', 'y']] as const;
/** Light-curve window: rise/fade rates fit the band's detections of the last WINDOW_DAYS days. */
export const WINDOW_DAYS = 30;
/** Two bands' latest detections make a colour when at most this far apart. */
export const COLOUR_MAX_GAP_DAYS = 1;

export const ALERT_FIELDS: FieldDoc[] = [
  { name: 'id', type: 'string', unit: '', doc: "The alert's id (ZTF candid, Rubin diaSourceId), as text" },
  { name: 'survey', type: 'string', unit: '', doc: "'ztf' or 'lsst'" },
  { name: 'object_id', type: 'string', unit: '', doc: "The survey's object id (ZTF objectId such as ZTF21abiuvdk; Rubin diaObjectId as text)" },
  { name: 'ra', type: 'double', unit: 'deg', doc: 'Right ascension of the detection (ICRS)' },
  { name: 'dec', type: 'double', unit: 'deg', doc: 'Declination of the detection (ICRS)' },
  { name: 'mjd', type: 'double', unit: 'day (MJD)', doc: 'Observation time: ZTF exposure start (UTC), Rubin visit midpoint (TAI)' },
  { name: 'night', type: 'string', unit: '', doc: 'UTC date of the observation, YYYYMMDD' },
  { name: 'band', type: 'string', unit: '', doc: "Filter band: 'g', 'r', 'i' (ZTF); 'u' ... 'y' (Rubin)" },
  { name: 'mag', type: 'double', unit: 'mag (AB)', doc: 'Difference-image PSF magnitude (ZTF magpsf; Rubin: from the flux); NaN when the flux is not positive' },
  { name: 'mag_err', type: 'double', unit: 'mag', doc: 'Its 1-sigma error (ZTF sigmapsf)' },
  { name: 'flux', type: 'double', unit: 'nJy', doc: 'Difference-image PSF flux (Rubin psfFlux); NaN for ZTF' },
  { name: 'flux_err', type: 'double', unit: 'nJy', doc: 'Its 1-sigma error (Rubin psfFluxErr); NaN for ZTF' },
  { name: 'is_diff_pos', type: 'bool', unit: '', doc: 'Positive difference (brighter than the template); true when the survey does not say' },
  { name: 'rb', type: 'double', unit: '0..1', doc: 'ZTF real-bogus score (random forest); NaN for Rubin' },
  { name: 'drb', type: 'double', unit: '0..1', doc: 'ZTF deep-learning real-bogus score; NaN for Rubin and old ZTF packets' },
  { name: 'reliability', type: 'double', unit: '0..1', doc: 'Rubin reliability score; NaN for ZTF' },
  { name: 'sgscore', type: 'double', unit: '0..1', doc: 'ZTF star/galaxy score of the nearest PS1 source (sgscore1; 1 = star); NaN when none' },
  { name: 'distpsnr', type: 'double', unit: 'arcsec', doc: 'ZTF distance to that PS1 source (distpsnr1); NaN when none' },
  { name: 'ssdistnr', type: 'double', unit: 'arcsec', doc: 'ZTF distance to the nearest known solar-system object; NaN when none' },
  { name: 'ndethist', type: 'double', unit: 'count', doc: 'ZTF detections of this position in its history (ndethist); NaN for Rubin' },
  { name: 'programid', type: 'double', unit: '', doc: 'ZTF program id (1 public, 2 partnership, 3 Caltech); NaN for Rubin' },
];

export const OBJECT_FIELDS: FieldDoc[] = [
  { name: 'id', type: 'string', unit: '', doc: "The broker's object id, as text (the 'objects' stream's object_id)" },
  { name: 'ra', type: 'double', unit: 'deg', doc: 'Mean position of its detections' },
  { name: 'dec', type: 'double', unit: 'deg', doc: 'Mean position of its detections' },
  { name: 'n_detections', type: 'double', unit: 'count', doc: 'Detections stored for the object (this alert and every history entry seen so far, each once)' },
  { name: 'first_mjd', type: 'double', unit: 'day (MJD)', doc: 'Time of its first stored detection' },
  { name: 'last_mjd', type: 'double', unit: 'day (MJD)', doc: 'Time of its last stored detection' },
  { name: 'aliases', type: 'list<string>', unit: '', doc: "Survey ids of the object ('ztf:ZTF21abiuvdk', 'lsst:...')" },
];

function featureFields(): FieldDoc[] {
  const out: FieldDoc[] = [];
  for (const b of BANDS) {
    out.push({ name: `mag_${b}`, type: 'double', unit: 'mag (AB)', doc: `Latest ${b}-band magnitude up to this alert (positive detections); NaN when none` });
    out.push({ name: `rise_rate_${b}`, type: 'double', unit: 'mag/day', doc: `Brightening rate in ${b}: minus the least-squares slope of magnitude against MJD over the ${b} detections of the last ${WINDOW_DAYS} days (positive: getting brighter); NaN with fewer than 2 detections or no time span` });
    out.push({ name: `fade_rate_${b}`, type: 'double', unit: 'mag/day', doc: `Fading rate in ${b}: minus rise_rate_${b} (positive: getting fainter)` });
  }
  for (const [a, b] of COLOURS) {
    out.push({ name: `colour_${a}_${b}`, type: 'double', unit: 'mag', doc: `${a} - ${b} from each band's latest detection, when they are at most ${COLOUR_MAX_GAP_DAYS} day apart; NaN otherwise` });
  }
  out.push(
    { name: 'age_days', type: 'double', unit: 'day', doc: 'Time since the first detection (the earliest of the stored object and the alert\'s history) up to this alert' },
    { name: 'days_since_previous', type: 'double', unit: 'day', doc: 'Time since the previous detection before this alert (any band); NaN when none' },
    { name: 'n_detections_window', type: 'double', unit: 'count', doc: `Detections (any band, this one included) in the last ${WINDOW_DAYS} days of the alert's history` },
    { name: 'peak_mag', type: 'double', unit: 'mag (AB)', doc: "Brightest magnitude among the alert's detections and its history" },
    { name: 'dmag_peak', type: 'double', unit: 'mag', doc: 'alert.mag minus peak_mag (0 at the peak, positive after it)' },
  );
  return out;
}

export const FEATURE_FIELDS: FieldDoc[] = featureFields();

export const ANNOTATION_FIELDS: FieldDoc[] = [
  { name: 'matched', type: 'bool', unit: '', doc: 'The catalog has a source within its annotation radius (or, for galaxy ellipses, an ellipse holding the alert)' },
  { name: 'id', type: 'string', unit: '', doc: "Nearest (best) source's id; '' when not matched" },
  { name: 'sep_arcsec', type: 'double', unit: 'arcsec', doc: 'Separation from the best source; NaN when not matched' },
  { name: 'pa_deg', type: 'double', unit: 'deg', doc: 'Position angle of the alert seen from the source, east of north; NaN when not matched' },
  { name: 'ellipse_distance', type: 'double', unit: 'ellipse radii', doc: 'Galaxy-ellipse catalogs: distance in units of the scaled ellipse (<= 1 inside); NaN otherwise' },
  { name: 'n_matches', type: 'double', unit: 'count', doc: 'Matches reported within the radius (at most the configured k)' },
  { name: 'columns', type: 'map<string, dyn>', unit: '', doc: "The best source's annotation columns (null when the catalog has no value); {} when not matched" },
];

export const WATCH_FIELDS: FieldDoc[] = [
  { name: 'hit', type: 'bool', unit: '', doc: "The alert hit at least one of the filter owner's watch lists (a target or a region)" },
  { name: 'lists', type: 'list<string>', unit: '', doc: "Ids of the owner's watch lists it hit" },
  { name: 'names', type: 'list<string>', unit: '', doc: "Names of those watch lists" },
  { name: 'targets', type: 'list<string>', unit: '', doc: 'Target (or region) names it hit' },
];

/** The top-level variables of an expression and the fields each has. */
export const VARIABLES = {
  alert: ALERT_FIELDS,
  object: OBJECT_FIELDS,
  features: FEATURE_FIELDS,
  watch: WATCH_FIELDS,
} as const;
