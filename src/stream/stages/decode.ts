// Stage 'decode': message bytes -> valid alerts. ZTF Avro containers, Rubin
// Confluent wire format (schema folder or registry). A message that does not
// decode, and an alert that fails validation, go to the dead-letter stream
// with the reason; fresh messages are counted (received, decoded,
// deadLettered), replayed ones (stored before; outputs only) are not.

import { validateAlert } from '../decoding/alert.js';
import { AlertDecoder, type DecoderOptions } from '../decoding/decoder.js';
import { DecodeError } from '../decoding/errors.js';
import type { ObjectRecord } from '../store.js';
import type { Batch, SourceMessage, Stage } from '../stage.js';

export class DecodeStage implements Stage {
  readonly name = 'decode';
  readonly decoder: AlertDecoder;

  constructor(opts: DecoderOptions = {}) {
    this.decoder = new AlertDecoder({ skim: true, ...opts });
  }

  async prepare(batch: Batch): Promise<void> {
    // Replayed messages first: their outputs go out before the new ones'.
    for (const m of batch.replayed) await this.decodeMessage(batch, m, true);
    for (const m of batch.fresh) await this.decodeMessage(batch, m, false);
  }

  private async decodeMessage(batch: Batch, m: SourceMessage, replayed: boolean): Promise<void> {
    let decoded: Awaited<ReturnType<AlertDecoder['decodeWithRaw']>>;
    try {
      decoded = await this.decoder.decodeWithRaw(m.value);
    } catch (err) {
      batch.deadLetter(m, err instanceof DecodeError ? err.reason : 'bad-record', (err as Error).message);
      if (!replayed) {
        batch.count('unknown', 'received');
        batch.count('unknown', 'deadLettered');
      }
      return;
    }
    for (const d of decoded) {
      const a = d.alert;
      if (!replayed) batch.count(a.night, 'received');
      const invalid = validateAlert(a);
      if (invalid) {
        batch.deadLetter(m, 'invalid-alert', `alert ${a.alertId}: ${invalid}`, d.raw);
        if (!replayed) batch.count(a.night, 'deadLettered');
        continue;
      }
      if (!replayed) batch.count(a.night, 'decoded');
      batch.alerts.push({
        alert: a, message: m, raw: d.raw, schemaText: d.schemaText, status: replayed ? 'duplicate' : 'new', republish: replayed || undefined,
        // Set by the objects stage, before any later stage reads it.
        object: null as unknown as ObjectRecord,
        detectionsAdded: 0, nonDetectionsAdded: 0,
      });
    }
  }

  /** Emits the batch's dead letters (whichever stage found them; all did before afterCommit). */
  afterCommit(batch: Batch): void {
    batch.emit('deadletter', batch.deadLetters.map((d) => ({ key: `${d.topic}/${d.partition}@${d.offset}`, value: { ...d } })));
  }
}
