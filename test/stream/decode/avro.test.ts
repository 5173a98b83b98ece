import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import avsc from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../../src/stream/avro/compile.js';
import { BIGINT_LONG, bigIntToVarint, varintToBigInt } from '../../../src/stream/avro/long.js';
import { compileNamedSchemas, namesOf } from '../../../src/stream/avro/named-schemas.js';
import { dropBadUnionDefaults, type Json } from '../../../src/stream/avro/schema-fix.js';
import { DATA, LSST_SCHEMAS } from './data.js';

/** Reference zig-zag varint, written independently of the code under test. */
function refVarint(v: bigint): number[] {
  let z = v >= 0n ? v * 2n : -v * 2n - 1n;
  const out: number[] = [];
  do {
    const byte = Number(z % 128n);
    z /= 128n;
    out.push(z > 0n ? byte + 128 : byte);
  } while (z > 0n);
  return out;
}

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

describe('BigInt long', () => {
  it('encodes and decodes every int64 like the reference varint', () => {
    fc.assert(
      fc.property(int64, (v) => {
        const ref = refVarint(v);
        expect([...bigIntToVarint(v)]).toEqual(ref);
        expect(varintToBigInt(Uint8Array.from(ref))).toBe(v);
      }),
      { numRuns: 2000 },
    );
    for (const v of [0n, -1n, 1n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 2982177112815010003n]) {
      expect(varintToBigInt(Uint8Array.from(refVarint(v)))).toBe(v);
    }
  });

  it('round-trips through avsc as the registry long, in records and unions', () => {
    const type = avsc.Type.forSchema(
      { type: 'record', name: 'r', fields: [{ name: 'a', type: 'long' }, { name: 'b', type: ['null', 'long'] }] },
      { registry: { long: BIGINT_LONG } },
    );
    fc.assert(
      fc.property(int64, fc.option(int64), (a, b) => {
        const back = type.fromBuffer(type.toBuffer({ a, b })) as { a: bigint; b: bigint | null };
        expect(back.a).toBe(a);
        expect(back.b).toBe(b);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects varints longer than 10 bytes', () => {
    expect(() => varintToBigInt(new Uint8Array(11).fill(0x80))).toThrow(RangeError);
  });

  it('also catches {"type": "long"} objects and logical longs', () => {
    const { type } = compileSchema({
      type: 'record',
      name: 't',
      fields: [
        { name: 'a', type: { type: 'long' } },
        { name: 'b', type: { type: 'long', logicalType: 'timestamp-micros' } },
      ],
    });
    const v = { a: 2n ** 60n + 3n, b: -(2n ** 62n) };
    expect(type.fromBuffer(type.toBuffer(v))).toStrictEqual(v);
  });
});

describe('union default fix', () => {
  it('drops exactly the 128 bad defaults of the official ZTF 3.3 schemas and none of 4.02', () => {
    const count = (v: string): number =>
      readdirSync(path.join(DATA, 'ztf/schema', v)).reduce(
        (n, f) => n + dropBadUnionDefaults(JSON.parse(readFileSync(path.join(DATA, 'ztf/schema', v, f), 'utf8')) as Json),
        0,
      );
    expect(count('3.3')).toBe(128);
    expect(count('4.02')).toBe(0);
  });

  it('keeps union branch order and good defaults', () => {
    const schema: Json = {
      type: 'record',
      name: 'c',
      fields: [
        { name: 'a', type: ['float', 'null'], default: null },
        { name: 'b', type: ['null', 'int'], default: 0 },
        { name: 'c', type: ['null', 'int'], default: null },
        { name: 'd', type: ['int', 'null'], default: 3 },
        { name: 'e', type: { type: 'array', items: { type: 'record', name: 'n', fields: [{ name: 'x', type: ['string', 'null'], default: null }] } } },
      ],
    };
    expect(dropBadUnionDefaults(schema)).toBe(3);
    expect(schema).toStrictEqual({
      type: 'record',
      name: 'c',
      fields: [
        { name: 'a', type: ['float', 'null'] },
        { name: 'b', type: ['null', 'int'] },
        { name: 'c', type: ['null', 'int'], default: null },
        { name: 'd', type: ['int', 'null'], default: 3 },
        { name: 'e', type: { type: 'array', items: { type: 'record', name: 'n', fields: [{ name: 'x', type: ['string', 'null'] }] } } },
      ],
    });
    expect(() => compileSchema(schema)).not.toThrow();
  });
});

describe('named schema files', () => {
  it('finds what each Rubin file defines and refers to', () => {
    const alert = JSON.parse(readFileSync(path.join(LSST_SCHEMAS, '11.1/lsst.v11_1.alert.avsc'), 'utf8')) as Json;
    const { defines, refers } = namesOf(alert);
    expect([...defines]).toEqual(['lsst.v11_1.alert']);
    expect([...refers].sort()).toEqual([
      'lsst.v11_1.diaForcedSource',
      'lsst.v11_1.diaObject',
      'lsst.v11_1.diaSource',
      'lsst.v11_1.mpc_orbits',
      'lsst.v11_1.ssSource',
    ]);
  });

  it('compiles the files in any order, dependencies first, and reports missing names', () => {
    const dir = path.join(LSST_SCHEMAS, '9.0');
    const files = readdirSync(dir).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Json);
    const registry = compileNamedSchemas([...files].reverse());
    expect(registry['lsst.v9_0.alert']).toBeDefined();
    const alertOnly = files.filter((j) => (j as { name: string }).name === 'alert');
    expect(() => compileNamedSchemas(alertOnly)).toThrow(/unresolved schema names: .*lsst\.v9_0\.diaSource/);
  });
});
