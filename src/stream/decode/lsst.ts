// Rubin/LSST packets -> Alert. Kafka messages use the Confluent wire format
// (schema id + body); brokers and archives also hand out container files
// (Fink re-publishes with its own Spark writer schema, 'topLevelRecord').

import type { Alert, Detection, ForcedPoint, SurveyRecord } from '../alert.js';
import { type ContainerOptions, isContainer, readContainer } from '../avro/container.js';
import { DecodeError } from '../avro/errors.js';
import { type ParsedSchema, SchemaCache } from '../avro/schema-cache.js';
import { bandOf, big, extraFields, isRecord, makeCutouts, num, records, required, str } from './fields.js';
import { FolderSchemaSource, RegistrySchemaSource, type SchemaSource } from './lsst-schemas.js';
import { abMagFromFlux, magErrFromFlux } from './photometry.js';
import { lsstVersionOf, lsstVersionOfId, surveyOfSchema } from './sniff.js';
import { mjdTaiToUtc, utcNight } from './time.js';
import { decodeWireBody, isConfluentWire, wireSchemaId } from './wire.js';

const USED = new Set(['diaSourceId', 'diaSource', 'prvDiaSources', 'prvDiaForcedSources', 'cutoutScience', 'cutoutTemplate', 'cutoutDifference']);

/** Rubin ids use 0 as well as null for "none" (Fink's SSO rows: diaObjectId 0). */
function nonZero(v: bigint | null): bigint | null {
  return v === null || v === 0n ? null : v;
}

function bytesOf(packet: SurveyRecord, key: string): Uint8Array | null {
  const v = packet[key];
  return v instanceof Uint8Array ? v : null;
}

function positive(s: SurveyRecord, flux: number | null): boolean {
  const neg = s.isNegative;
  return typeof neg === 'boolean' ? !neg : flux !== null && flux > 0;
}

function prvDetection(s: SurveyRecord): Detection {
  const flux = num(s, 'psfFlux');
  const fluxErr = num(s, 'psfFluxErr');
  return {
    alertId: required(big(s, 'diaSourceId'), 'prvDiaSources[].diaSourceId'),
    mjd: mjdTaiToUtc(num(s, 'midpointMjdTai') ?? NaN),
    band: bandOf(str(s, 'band')),
    ra: num(s, 'ra'),
    dec: num(s, 'dec'),
    mag: abMagFromFlux(flux),
    magErr: magErrFromFlux(flux, fluxErr),
    flux,
    fluxErr,
    isDiffPos: positive(s, flux),
    exposureId: big(s, 'visit'),
    record: s,
  };
}

function forcedPoint(s: SurveyRecord): ForcedPoint {
  return {
    id: big(s, 'diaForcedSourceId'),
    mjd: mjdTaiToUtc(num(s, 'midpointMjdTai') ?? NaN),
    band: bandOf(str(s, 'band')),
    flux: num(s, 'psfFlux'),
    fluxErr: num(s, 'psfFluxErr'),
    exposureId: big(s, 'visit'),
    record: s,
  };
}

/**
 * One decoded Rubin packet -> Alert. `versionHint` ('X.Y') is used when
 * neither the schema name nor the packet says which Rubin schema it is.
 */
export function normalizeLsst(packet: SurveyRecord, schema: ParsedSchema, versionHint: string | null = null): Alert {
  const src = packet.diaSource;
  if (!isRecord(src)) throw new DecodeError('bad_alert', 'Rubin packet has no diaSource record');
  const alertId = required(big(packet, 'diaSourceId') ?? big(src, 'diaSourceId'), 'diaSourceId');
  // The diaSource's own ids first; the attached diaObject / ssSource records
  // carry them too (Rubin's sample packets leave diaSource.diaObjectId null).
  const obj = packet.diaObject;
  const ss = packet.ssSource;
  const diaObjectId = nonZero(big(src, 'diaObjectId')) ?? (isRecord(obj) ? nonZero(big(obj, 'diaObjectId')) : null);
  const ssObjectId = nonZero(big(src, 'ssObjectId')) ?? (isRecord(ss) ? nonZero(big(ss, 'ssObjectId')) : null);
  const mjd = mjdTaiToUtc(required(num(src, 'midpointMjdTai'), 'diaSource.midpointMjdTai'));
  const flux = num(src, 'psfFlux');
  const fluxErr = num(src, 'psfFluxErr');
  const prv = records(packet, 'prvDiaSources');
  const prvDetections = new Array<Detection>(prv.length);
  for (let i = 0; i < prv.length; i++) prvDetections[i] = prvDetection(prv[i]);
  const fp = records(packet, 'prvDiaForcedSources');
  const forcedPhotometry = new Array<ForcedPoint>(fp.length);
  for (let i = 0; i < fp.length; i++) forcedPhotometry[i] = forcedPoint(fp[i]);

  return {
    survey: 'lsst',
    alertId,
    surveyObjectId: diaObjectId !== null ? diaObjectId.toString() : ssObjectId !== null ? `ss:${ssObjectId}` : '',
    ssObjectId,
    ra: num(src, 'ra') ?? NaN,
    dec: num(src, 'dec') ?? NaN,
    mjd,
    night: utcNight(mjd),
    band: bandOf(str(src, 'band')),
    mag: abMagFromFlux(flux),
    magErr: magErrFromFlux(flux, fluxErr),
    flux,
    fluxErr,
    isDiffPos: positive(src, flux),
    programId: null,
    exposureId: big(src, 'visit'),
    detector: num(src, 'detector'),
    field: null,
    schemaVersion:
      lsstVersionOf(schema.name) ?? lsstVersionOf(str(packet, 'lsst_schema_version')) ?? versionHint ?? '',
    candidate: src,
    prvDetections,
    nonDetections: [],
    forcedPhotometry,
    cutouts: makeCutouts(bytesOf(packet, 'cutoutScience'), bytesOf(packet, 'cutoutTemplate'), bytesOf(packet, 'cutoutDifference')),
    extra: extraFields(packet, USED),
  };
}

export interface LsstDecoderOptions extends ContainerOptions {
  /** Folder of Rubin .avsc files (e.g. shared/data/lsst/schema or one version of it). */
  schemas?: string;
  /** Confluent schema registry base URL; GET {url}/schemas/ids/{id}. */
  schemaRegistryUrl?: string;
  /** Any other id -> schema source (tried after the folder, before the registry). */
  source?: SchemaSource;
  fetch?: typeof fetch;
}

function assertLsst(schema: ParsedSchema): void {
  const survey = surveyOfSchema(schema);
  if (survey !== 'lsst') {
    throw new DecodeError(survey === null ? 'unknown_survey' : 'wrong_survey', `schema ${schema.name} is not a Rubin alert`);
  }
}

/**
 * Decodes Rubin messages: Confluent wire (schema by id from the folder, then
 * the registry) or Avro container files. `decode` is synchronous unless a
 * schema has to be fetched from the registry; then it returns a Promise.
 */
export class LsstDecoder {
  readonly cache: SchemaCache;
  readonly sources: SchemaSource[] = [];
  private readonly maxBlockBytes: number | undefined;

  constructor(opts: LsstDecoderOptions = {}) {
    this.cache = opts.cache ?? new SchemaCache();
    this.maxBlockBytes = opts.maxBlockBytes;
    if (opts.schemas !== undefined) this.sources.push(new FolderSchemaSource(opts.schemas));
    if (opts.source !== undefined) this.sources.push(opts.source);
    if (opts.schemaRegistryUrl !== undefined) {
      this.sources.push(new RegistrySchemaSource(opts.schemaRegistryUrl, { fetch: opts.fetch }));
    }
  }

  decode(message: Uint8Array): Alert[] | Promise<Alert[]> {
    if (!(message instanceof Uint8Array)) throw new TypeError(`message must be a Uint8Array, got ${typeof message}`);
    if (message.length === 0) throw new DecodeError('empty_message', 'message is empty');
    if (isContainer(message)) return this.decodeContainer(message);
    if (isConfluentWire(message)) return this.decodeWire(message);
    throw new DecodeError('unknown_format', 'neither an Avro container nor a Confluent wire message');
  }

  decodeContainer(message: Uint8Array): Alert[] {
    const c = readContainer(message, { cache: this.cache, maxBlockBytes: this.maxBlockBytes });
    assertLsst(c.schema);
    if (c.records.length === 0) throw new DecodeError('no_records', 'container holds no alert');
    return c.records.map((r) => normalizeLsst(r as SurveyRecord, c.schema));
  }

  decodeWire(message: Uint8Array): Alert[] | Promise<Alert[]> {
    const id = wireSchemaId(message);
    const finish = (schema: ParsedSchema): Alert[] => {
      assertLsst(schema);
      return [normalizeLsst(decodeWireBody(message, schema) as SurveyRecord, schema, lsstVersionOfId(id))];
    };
    const schema = this.schemaFor(id);
    return schema instanceof Promise ? schema.then(finish) : finish(schema);
  }

  /** The writer schema of `id`: synchronously when a source has it at hand. */
  schemaFor(id: number): ParsedSchema | Promise<ParsedSchema> {
    if (this.sources.length === 0) {
      throw new DecodeError('unknown_schema_id', `schema id ${id}: no schema folder or registry configured`);
    }
    return this.trySource(id, 0);
  }

  private trySource(id: number, i: number): ParsedSchema | Promise<ParsedSchema> {
    const last = i === this.sources.length - 1;
    let got: ParsedSchema | Promise<ParsedSchema>;
    try {
      got = this.sources[i].get(id);
    } catch (err) {
      if (!last && err instanceof DecodeError && err.reason === 'unknown_schema_id') return this.trySource(id, i + 1);
      throw err;
    }
    if (got instanceof Promise && !last) {
      return got.catch((err: unknown) => {
        if (err instanceof DecodeError && err.reason === 'unknown_schema_id') return this.trySource(id, i + 1);
        throw err;
      });
    }
    return got;
  }
}
