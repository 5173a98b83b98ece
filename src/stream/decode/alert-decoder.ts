// The decoder the stream uses: one call per Kafka message, any survey.
// It sniffs the framing (Avro container 'Obj\x01' vs Confluent wire 0x00+id)
// and the survey (from the writer schema), then normalises to Alert.

import type { Alert, SurveyRecord } from '../alert.js';
import { isContainer, readContainer } from '../avro/container.js';
import { DecodeError, asDecodeError } from '../avro/errors.js';
import { type ParsedSchema, SchemaCache } from '../avro/schema-cache.js';
import { LsstDecoder, normalizeLsst } from './lsst.js';
import { lsstVersionOfId, surveyOfSchema } from './sniff.js';
import { isConfluentWire, wireSchemaId, decodeWireBody } from './wire.js';
import { normalizeZtf } from './ztf.js';
import type { SchemaSource } from './lsst-schemas.js';

export interface AlertDecoderOptions {
  /** Folder of Rubin .avsc files for Confluent-wire messages (ids X*100+Y). */
  lsstSchemas?: string;
  /** Confluent schema registry base URL for Confluent-wire messages. */
  schemaRegistryUrl?: string;
  /** Another id -> schema source, tried after the folder and before the registry. */
  schemaSource?: SchemaSource;
  /** fetch for the registry (Node's global fetch by default). */
  fetch?: typeof fetch;
  /** Writer-schema cache for container files (one per decoder by default). */
  cache?: SchemaCache;
  /** Refuse deflate blocks inflating beyond this many bytes (default 64 MiB). */
  maxBlockBytes?: number;
}

function normalize(records: unknown[], schema: ParsedSchema, versionHint: string | null): Alert[] {
  const survey = surveyOfSchema(schema);
  if (survey === null) throw new DecodeError('unknown_survey', `schema ${schema.name} is neither a ZTF nor a Rubin alert`);
  if (records.length === 0) throw new DecodeError('no_records', 'container holds no alert');
  const out = new Array<Alert>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as SurveyRecord;
    try {
      out[i] = survey === 'ztf' ? normalizeZtf(r) : normalizeLsst(r, schema, versionHint);
    } catch (err) {
      // The stream's contract is "DecodeError or alerts": odd packets go to the dead-letter topic.
      throw asDecodeError(err, 'bad_alert', `record ${i} of ${schema.name} does not make an alert`);
    }
  }
  return out;
}

export class AlertDecoder {
  readonly cache: SchemaCache;
  private readonly lsst: LsstDecoder;
  private readonly maxBlockBytes: number | undefined;

  constructor(opts: AlertDecoderOptions = {}) {
    this.cache = opts.cache ?? new SchemaCache();
    this.maxBlockBytes = opts.maxBlockBytes;
    this.lsst = new LsstDecoder({
      cache: this.cache,
      schemas: opts.lsstSchemas,
      schemaRegistryUrl: opts.schemaRegistryUrl,
      source: opts.schemaSource,
      fetch: opts.fetch,
    });
  }

  /**
   * Decodes one message into its alerts (a ZTF container may hold several).
   * Synchronous, except for a Confluent-wire message whose schema must first
   * be fetched from the registry: then a Promise. `await` the result either
   * way; failures are DecodeError (thrown, or rejected for the Promise).
   */
  decode(message: Uint8Array): Alert[] | Promise<Alert[]> {
    if (!(message instanceof Uint8Array)) throw new TypeError(`message must be a Uint8Array, got ${typeof message}`);
    if (message.length === 0) throw new DecodeError('empty_message', 'message is empty');
    if (isContainer(message)) {
      const c = readContainer(message, { cache: this.cache, maxBlockBytes: this.maxBlockBytes });
      return normalize(c.records, c.schema, null);
    }
    if (isConfluentWire(message)) {
      const id = wireSchemaId(message);
      const finish = (schema: ParsedSchema): Alert[] =>
        normalize([decodeWireBody(message, schema)], schema, lsstVersionOfId(id));
      const schema = this.lsst.schemaFor(id);
      return schema instanceof Promise ? schema.then(finish) : finish(schema);
    }
    throw new DecodeError('unknown_format', `neither an Avro container (Obj\\x01) nor Confluent wire (0x00 + id); first byte 0x${message[0].toString(16).padStart(2, '0')}`);
  }

  /** Like decode, always as a Promise (errors as rejections). */
  async decodeAsync(message: Uint8Array): Promise<Alert[]> {
    return this.decode(message);
  }
}
