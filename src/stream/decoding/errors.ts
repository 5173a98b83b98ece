// Why a message could not become an alert: a short code for dead-letter
// records and metrics, and a message for people.

export type DecodeReason =
  | 'empty-message'
  | 'bad-container'
  | 'unknown-codec'
  | 'bad-schema'
  | 'unknown-schema-id'
  | 'schema-registry-unavailable'
  | 'truncated'
  | 'bad-record'
  | 'unknown-survey'
  | 'invalid-alert';

export class DecodeError extends Error {
  constructor(readonly reason: DecodeReason, message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}
