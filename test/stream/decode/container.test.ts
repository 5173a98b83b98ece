// The container reader on re-framed real packets (deflate, several blocks)
// and on broken input: every failure must be a DecodeError, never a crash or hang.

import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readContainer } from '../../../src/stream/avro/container.js';
import { bigIntToVarint } from '../../../src/stream/avro/long.js';
import { SchemaCache } from '../../../src/stream/avro/schema-cache.js';
import { AlertDecoder, DecodeError, type DecodeReason } from '../../../src/stream/decode/index.js';
import { FINK_LSST, LSST_SCHEMAS, WIRE_SAMPLE, ZTF_ALERTS, bytes } from './data.js';

const MULTI = bytes(path.join(ZTF_ALERTS, 'finkclient_multi_container/avro_multi_alerts_other.avro'));
const SINGLE = bytes(path.join(ZTF_ALERTS, 'boom/2695378462115010012.avro'));
const SYNC = Buffer.from('0123456789abcdef');

const long = (n: number): Buffer => bigIntToVarint(BigInt(n));
const str = (s: string | Buffer): Buffer => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s);
  return Buffer.concat([long(b.length), b]);
};

/** Writes a container: header + one block per entry of `blocks` (raw record bytes). */
function writeContainer(
  schemaText: string,
  codec: string,
  blocks: { count: number; data: Buffer }[],
  compress = codec === 'deflate',
): Buffer {
  const meta = Buffer.concat([long(2), str('avro.schema'), str(schemaText), str('avro.codec'), str(codec), long(0)]);
  const parts: Buffer[] = [Buffer.from('Obj\x01', 'latin1'), meta, SYNC];
  for (const b of blocks) {
    const data = compress ? deflateRawSync(b.data) : b.data;
    parts.push(long(b.count), long(data.length), data, SYNC);
  }
  return Buffer.concat(parts);
}

/** The raw bytes of each record of a (null-codec) container. */
function recordBytes(file: Buffer): { schemaText: string; records: Buffer[] } {
  const c = readContainer(file, { cache: new SchemaCache() });
  // Re-encoding a decoded record gives back its bytes (checked against the file).
  const records = c.records.map((r) => c.schema.type.toBuffer(r));
  for (const r of records) expect(file.includes(r), 'a record re-encodes to its original bytes').toBe(true);
  return { schemaText: c.schema.text, records };
}

function reasonOf(fn: () => unknown): DecodeReason | 'ok' {
  try {
    const out = fn();
    if (out instanceof Promise) throw new Error('unexpected async decode');
    return 'ok';
  } catch (err) {
    if (err instanceof DecodeError) return err.reason;
    throw err;
  }
}

describe('container framing', () => {
  const dec = new AlertDecoder({ lsstSchemas: LSST_SCHEMAS });
  const { schemaText, records } = recordBytes(MULTI);
  const expected = dec.decode(MULTI);

  it('reads deflate blocks like null blocks', () => {
    const deflated = writeContainer(schemaText, 'deflate', [{ count: 3, data: Buffer.concat(records) }]);
    expect(readContainer(deflated).codec).toBe('deflate');
    expect(dec.decode(deflated)).toStrictEqual(expected);
  });

  it('reads several blocks, one record each, with either codec', () => {
    for (const codec of ['null', 'deflate']) {
      const multi = writeContainer(schemaText, codec, records.map((data) => ({ count: 1, data })));
      expect(dec.decode(multi)).toStrictEqual(expected);
    }
  });

  it('an empty container is no_records; other codecs are unsupported_codec', () => {
    expect(reasonOf(() => dec.decode(writeContainer(schemaText, 'null', [])))).toBe('no_records');
    expect(reasonOf(() => dec.decode(writeContainer(schemaText, 'snappy', [{ count: 3, data: Buffer.concat(records) }])))).toBe('unsupported_codec');
  });

  it('flags corrupt framing with its own reason', () => {
    const good = writeContainer(schemaText, 'null', [{ count: 3, data: Buffer.concat(records) }]);
    const badSync = Buffer.from(good);
    badSync[badSync.length - 1] ^= 0xff;
    expect(reasonOf(() => dec.decode(badSync))).toBe('sync_mismatch');
    expect(reasonOf(() => dec.decode(writeContainer(schemaText, 'null', [{ count: 2, data: Buffer.concat(records) }])))).toBe('trailing_bytes');
    expect(reasonOf(() => dec.decode(writeContainer(schemaText, 'null', [{ count: 4, data: Buffer.concat(records) }])))).toBe('bad_record');
    // Declared deflate, stored plain: the block does not inflate.
    const lied = writeContainer(schemaText, 'deflate', [{ count: 3, data: Buffer.concat(records) }], false);
    expect(reasonOf(() => dec.decode(lied))).toBe('codec_error');
  });

  it('schema problems: bad JSON is bad_schema (cached), a non-alert schema is unknown_survey', () => {
    const cache = new SchemaCache();
    const d = new AlertDecoder({ cache });
    const junk = writeContainer('{"type": "record", "name": ', 'null', []);
    expect(reasonOf(() => d.decode(junk))).toBe('bad_schema');
    expect(reasonOf(() => d.decode(junk))).toBe('bad_schema');
    expect(cache.parses).toBe(1);
    const other = writeContainer('{"type":"record","name":"x","fields":[{"name":"a","type":"int"}]}', 'null', [{ count: 1, data: Buffer.from([4]) }]);
    expect(reasonOf(() => d.decode(other))).toBe('unknown_survey');
  });

  it('empty, foreign and tiny messages are refused', () => {
    expect(reasonOf(() => dec.decode(new Uint8Array(0)))).toBe('empty_message');
    expect(reasonOf(() => dec.decode(Buffer.from('{"candid": 1}')))).toBe('unknown_format');
    expect(reasonOf(() => dec.decode(Buffer.from([0, 0, 4])))).toBe('unknown_format');
    expect(reasonOf(() => dec.decode(Buffer.from('Obj\x01', 'latin1')))).toBe('truncated');
    expect(() => dec.decode('Obj' as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe('truncated and garbage messages', () => {
  const dec = new AlertDecoder({ lsstSchemas: LSST_SCHEMAS });
  const wire = bytes(WIRE_SAMPLE);
  const fink = bytes(FINK_LSST);

  it('every prefix of a real packet is a DecodeError', () => {
    for (const msg of [SINGLE, MULTI, wire]) {
      const step = Math.max(1, Math.floor(msg.length / 400));
      for (let cut = 1; cut < msg.length; cut += step) {
        const r = reasonOf(() => dec.decode(msg.subarray(0, cut)));
        expect(r, `cut at ${cut} of ${msg.length}`).not.toBe('ok');
      }
    }
    // The Fink container: cut inside the data (one block per alert).
    for (const cut of [fink.length - 1, fink.length - 17, Math.floor(fink.length / 2)]) {
      expect(reasonOf(() => dec.decode(fink.subarray(0, cut)))).not.toBe('ok');
    }
  });

  it('random bytes, alone or behind a valid header, are a DecodeError', () => {
    const header = SINGLE.subarray(0, firstBlockOffset(SINGLE));
    const prefixes = [Buffer.alloc(0), Buffer.from([0, 0, 0, 4, 0x4d]), header];
    fc.assert(
      fc.property(fc.constantFrom(...prefixes), fc.uint8Array({ minLength: 0, maxLength: 3000 }), (prefix, junk) => {
        const msg = Buffer.concat([prefix, junk]);
        if (msg.length === 0) return;
        const r = reasonOf(() => dec.decode(msg));
        // Random bytes might, in principle, form a valid tiny packet; they must never crash.
        expect(typeof r).toBe('string');
      }),
      { numRuns: 600, seed: 4242 },
    );
  });

  it('flipped bytes inside real packets decode or fail cleanly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(SINGLE, MULTI, wire),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }),
        (msg, flips) => {
          const copy = Buffer.from(msg);
          for (const [at, x] of flips) copy[at % copy.length] ^= x;
          const r = reasonOf(() => dec.decode(copy));
          expect(typeof r).toBe('string');
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });

  it('a huge array count in a corrupt body fails fast instead of looping', () => {
    // A 4.02 packet whose prv_candidates array claims 2^40 items: avsc alone
    // would loop reading past the end of the buffer until memory runs out.
    const c = readContainer(SINGLE, { cache: new SchemaCache() });
    const r = c.records[0] as Record<string, unknown>;
    const empty = { prv_candidates: null, fp_hists: null, cutoutScience: null, cutoutTemplate: null, cutoutDifference: null };
    const noTail = c.schema.type.toBuffer({ ...r, ...empty });
    // The last 5 bytes are the null-branch indexes of those 5 unions; replace
    // them by branch 1 (array) and a giant block count.
    const hostile = Buffer.concat([noTail.subarray(0, noTail.length - 5), long(1), long(2 ** 40), Buffer.alloc(64)]);
    const schemaText = c.schema.text;
    const msg = writeContainer(schemaText, 'null', [{ count: 1, data: hostile }]);
    expect(reasonOf(() => dec.decode(msg))).toBe('bad_record');
    expect(() => dec.decode(msg)).toThrow(/array block claims 1099511627776 items/);
  });
});

/** Offset of the first block: the sync marker that ends every block first ends the header. */
function firstBlockOffset(file: Buffer): number {
  const sync = file.subarray(file.length - 16);
  return file.indexOf(sync) + 16;
}
