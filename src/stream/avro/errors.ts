// One error type for every way a message can fail to decode. The stream sends
// failures to a dead-letter topic keyed by `reason` and goes on, so reasons
// are short, stable codes; the message is for humans.

export type DecodeReason =
  | 'empty_message' // zero bytes
  | 'unknown_format' // neither an Avro container (Obj\x01) nor Confluent wire (0x00 + id)
  | 'bad_container' // container header or block framing is corrupt
  | 'sync_mismatch' // a block is not followed by the file's sync marker
  | 'unsupported_codec' // container codec other than null / deflate
  | 'codec_error' // a deflate block does not inflate (or inflates too large)
  | 'bad_schema' // the writer schema is not valid JSON / not a schema avsc accepts
  | 'truncated' // the bytes end inside a value
  | 'bad_record' // the bytes do not decode with the writer schema
  | 'trailing_bytes' // bytes left over after the record(s)
  | 'no_records' // a valid container with no alert in it
  | 'unknown_survey' // the schema is neither a ZTF nor a Rubin alert
  | 'wrong_survey' // a survey-specific decoder got the other survey's packet
  | 'unknown_schema_id' // Confluent schema id not in the folder / registry
  | 'schema_registry_error' // the registry could not be reached or answered badly
  | 'bad_alert'; // decoded, but a field the alert shape needs is missing

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly reason: DecodeReason;

  constructor(reason: DecodeReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** Wraps anything thrown while decoding into a DecodeError (kept as is if already one). */
export function asDecodeError(err: unknown, reason: DecodeReason, context: string): DecodeError {
  if (err instanceof DecodeError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new DecodeError(reason, `${context}: ${detail}`, { cause: err });
}
