// Avro encodings of the output streams, with the schemas published in
// schemas/*.avsc (schemas/README.md describes them):
//   AvroFileOutputs    `--to dir:OUT --avro`: OUT/<stream>.avro object container
//                      files, appended across runs (avro/container-writer.ts);
//   AvroKafkaEncoding  KafkaSink message values: the Confluent wire format when
//                      a schema registry is configured, else plain Avro binary
//                      (KafkaSink names the schema in a header).
// The JSON values the pipeline writes are converted field by field against the
// schema (compiled once per schema): 64-bit ids stay decimal strings as in the
// JSON variant, a non-finite number in a nullable field becomes null (JSON
// writes null too), and a missing, mistyped or unknown field is an
// AvroValueError naming the stream, the field and the schema file.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { ContainerFile } from '../avro/container-writer.js';
import type { RegistryAccess } from '../kafka/registry-access.js';
import { SchemaRegistryClient } from './schema-registry.js';
import { streamName, type OutRecord } from './sink.js';

export interface AvroOutputs {
  /** Converts and queues records of a stream (file outputs). */
  write(stream: string, records: readonly OutRecord[]): void;
  /** One encoded message value per record (Kafka). */
  encode(stream: string, records: readonly OutRecord[]): Buffer[] | undefined;
  /** The schema's full name and fingerprint, for a message header. */
  schemaName(stream: string): string;
  /** Resolves when encode(stream) can run (schema loaded, registered when a registry is used). */
  ready?(stream: string): Promise<void>;
  flush(): void;
  close(): void;
}

/** The fixed output streams; `watchlist-<id>` streams share schemas/watchhit.avsc, `filter-<id>` schemas/filtermatch.avsc. */
export const OUTPUT_STREAMS = ['annotated', 'objects', 'detections', 'nondetections', 'deadletter'] as const;

/** The .avsc file (in the schema folder) of an output stream. */
export function schemaFileOf(stream: string): string {
  if (/^watchlist-.+/.test(stream)) return 'watchhit.avsc';
  if (/^filter-.+/.test(stream)) return 'filtermatch.avsc';
  if ((OUTPUT_STREAMS as readonly string[]).includes(stream)) return `${stream}.avsc`;
  throw new Error(`output stream '${stream}' has no Avro schema (known: ${OUTPUT_STREAMS.join(', ')}, watchlist-<id>, filter-<id>)`);
}

/** The schemas/ folder of this package (dist/src/stream/sinks -> ../../../.., src/stream/sinks -> ../../..). */
export function shippedSchemaDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../../../..']) {
    const dir = path.resolve(here, up, 'schemas');
    if (existsSync(path.join(dir, 'objects.avsc'))) return dir;
  }
  throw new Error(`cannot find the schemas folder (objects.avsc, ...) above ${here}`);
}

/** A record value that does not fit its stream's schema. */
export class AvroValueError extends TypeError {
  override name = 'AvroValueError';
  constructor(readonly stream: string, readonly field: string, message: string) {
    super(message);
  }
}

/** Thrown inside converters; `path` grows as it unwinds (outermost field first). */
class FieldError extends Error {
  constructor(readonly path: string[], readonly problem: string) {
    super(problem);
  }
}

type Conv = (v: unknown) => unknown;

function show(v: unknown): string {
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

const fail = (problem: string): never => {
  throw new FieldError([], problem);
};

function within(step: string, conv: Conv, v: unknown): unknown {
  try {
    return conv(v);
  } catch (err) {
    if (err instanceof FieldError) err.path.unshift(step);
    throw err;
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** JSON value -> the value avsc writes for a type (longs: number when safe, else BigInt; see OUT_LONG). */
function compile(type: avro.Type, memo = new Map<avro.Type, Conv>()): Conv {
  const hit = memo.get(type);
  if (hit) return hit;
  let impl: Conv = () => undefined;
  memo.set(type, (v) => impl(v)); // recursive named types go through this indirection
  impl = build(type as unknown as AnyType, memo);
  return impl;
}

interface AnyType {
  typeName: string;
  fields?: Array<{ name: string; type: avro.Type; defaultValue(): unknown }>;
  types?: avro.Type[];
  itemsType?: avro.Type;
  valuesType?: avro.Type;
  symbols?: string[];
  size?: number;
}

function build(t: AnyType, memo: Map<avro.Type, Conv>): Conv {
  switch (t.typeName) {
    case 'null': return (v) => (v === null || v === undefined ? null : fail(`expected null, got ${show(v)}`));
    case 'boolean': return (v) => (typeof v === 'boolean' ? v : fail(`expected a boolean, got ${show(v)}`));
    case 'string': return (v) => (typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : fail(`expected a string, got ${show(v)}`));
    case 'double':
    case 'float': return (v) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(`expected a finite number, got ${show(v)}`));
    case 'int': return (v) => (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? v : fail(`expected a 32-bit integer, got ${show(v)}`));
    case 'long':
    case 'abstract:long': return (v) => {
      if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
      const n = typeof v === 'bigint' ? v : typeof v === 'string' && /^-?\d{1,20}$/.test(v) ? BigInt(v) : fail(`expected a 64-bit integer (number, bigint or decimal string), got ${show(v)}`);
      if (n < INT64_MIN || n > INT64_MAX) return fail(`${String(v)} does not fit a 64-bit long`);
      return n >= -MAX_SAFE && n <= MAX_SAFE ? Number(n) : n;
    };
    case 'bytes': return (v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : fail(`expected bytes, got ${show(v)}`));
    case 'fixed': return (v) => (v instanceof Uint8Array && v.byteLength === t.size ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : fail(`expected ${t.size} bytes, got ${show(v)}`));
    case 'enum': {
      const symbols = new Set(t.symbols);
      return (v) => (typeof v === 'string' && symbols.has(v) ? v : fail(`expected one of ${t.symbols!.join(', ')}, got ${show(v)}`));
    }
    case 'array': {
      const item = compile(t.itemsType!, memo);
      return (v) => (Array.isArray(v) ? v.map((x, i) => within(`[${i}]`, item, x)) : fail(`expected an array, got ${show(v)}`));
    }
    case 'map': {
      const value = compile(t.valuesType!, memo);
      return (v) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array) return fail(`expected an object (map), got ${show(v)}`);
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = within(`[${JSON.stringify(k)}]`, value, x);
        return out;
      };
    }
    case 'record':
    case 'error': return recordConv(t, memo);
    default:
      if (t.typeName.startsWith('union')) return unionConv(t, memo);
      throw new TypeError(`Avro type '${t.typeName}' is not supported by the output encoder`);
  }
}

function recordConv(t: AnyType, memo: Map<avro.Type, Conv>): Conv {
  const fields = t.fields!.map((f) => {
    const conv = compile(f.type, memo);
    const def = f.defaultValue();
    const nullable = ((f.type as unknown as AnyType).types ?? []).some((b) => (b as unknown as AnyType).typeName === 'null');
    // An absent nullable field is null (JSON omits it), with or without a default.
    return { name: f.name, conv, hasDefault: def !== undefined || nullable, def: def === undefined ? null : def };
  });
  const names = new Set(fields.map((f) => f.name));
  return (v) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return fail(`expected a record (object), got ${show(v)}`);
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const x = src[f.name];
      if (x === undefined) {
        if (!f.hasDefault) throw new FieldError([f.name], 'is missing (required by the schema)');
        out[f.name] = f.def;
      } else {
        out[f.name] = within(f.name, f.conv, x);
      }
    }
    // A field the schema lacks would be in the JSON variant but lost in Avro.
    for (const k in src) if (!names.has(k) && src[k] !== undefined) throw new FieldError([k], 'is not in the schema (add it to the .avsc, as an optional field)');
    return out;
  };
}

function unionConv(t: AnyType, memo: Map<avro.Type, Conv>): Conv {
  const branches = t.types!.filter((b) => (b as unknown as AnyType).typeName !== 'null');
  const nullable = branches.length < t.types!.length;
  const convs = branches.map((b) => compile(b, memo));
  const names = branches.map((b) => (b as unknown as AnyType).typeName.replace('abstract:', '')).join(' | ');
  return (v) => {
    if (v === null || v === undefined) return nullable ? null : fail(`expected ${names}, got ${show(v)}`);
    // JSON writes NaN and Infinity as null: so does the Avro variant.
    if (nullable && typeof v === 'number' && !Number.isFinite(v)) return null;
    if (convs.length === 1) return convs[0](v);
    for (const c of convs) {
      try {
        return c(v);
      } catch (err) {
        if (!(err instanceof FieldError)) throw err;
      }
    }
    return fail(`expected ${nullable ? 'null | ' : ''}${names}, got ${show(v)}`);
  };
}

// Avro long for writing: the converter gives a safe integer (counts, small
// ids) as a number, written by avsc's own varint code, and anything beyond
// 2^53 as a BigInt, written exactly through the 8-byte path of an abstract
// long (about twice as slow, so only where needed).
const LongType = (avro.types as unknown as { LongType: { __with(m: object): avro.Type } }).LongType;
const BYTES_LONG = LongType.__with({
  fromBuffer: (b: Buffer) => b.readBigInt64LE(),
  toBuffer: (n: bigint | number) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return b;
  },
  fromJSON: (v: unknown) => BigInt(v as string),
  toJSON: (n: bigint) => n.toString(),
  isValid: (n: unknown) => typeof n === 'bigint' || Number.isSafeInteger(n),
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
}) as unknown as { _write(tap: { writeLong(n: number): void }, v: unknown): void };
// avsc freezes its types: the number fast path lives on an object that inherits the rest.
const OUT_LONG = Object.create(BYTES_LONG, {
  _write: {
    value(tap: { writeLong(n: number): void }, v: unknown): void {
      if (typeof v === 'number') tap.writeLong(v);
      else BYTES_LONG._write(tap, v);
    },
  },
}) as avro.Type;

/** `{"type": "long"}` (also with a logicalType) written as OUT_LONG, like the registry's `long`. */
function longHook(schema: unknown): avro.Type | undefined {
  return schema && typeof schema === 'object' && (schema as { type?: unknown }).type === 'long' ? OUT_LONG : undefined;
}

/** One output schema, loaded from its .avsc file. */
export class StreamSchema {
  /** The .avsc file's JSON, compact (docs kept): what containers embed and the registry stores. */
  readonly text: string;
  readonly name: string;
  /** MD5 of the Parsing Canonical Form, hex (avsc `Type#fingerprint('md5')`). */
  readonly fingerprint: string;
  /** `<full name>@<first 16 hex of the fingerprint>`: the Kafka `skyjoin-schema` header. */
  readonly label: string;
  private readonly type: avro.Type;
  private readonly convert: Conv;

  constructor(readonly file: string) {
    if (!existsSync(file)) throw new Error(`no Avro schema at ${file}: the output stream needs it (see schemas/README.md)`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
      this.type = avro.Type.forSchema(json as avro.Schema, { registry: { long: OUT_LONG }, wrapUnions: false, typeHook: longHook } as never);
    } catch (err) {
      throw new Error(`${file} is not a valid Avro schema: ${(err as Error).message}`);
    }
    this.text = JSON.stringify(json);
    this.name = (this.type as unknown as { name?: string }).name ?? (this.type as unknown as AnyType).typeName;
    this.fingerprint = avro.Type.forSchema(json as avro.Schema, { wrapUnions: false } as never).fingerprint('md5').toString('hex');
    this.label = `${this.name}@${this.fingerprint.slice(0, 16)}`;
    this.convert = compile(this.type);
  }

  /** Avro binary of each record's value; an AvroValueError names the stream, record and field. */
  encode(stream: string, records: readonly OutRecord[]): Buffer[] {
    const out = new Array<Buffer>(records.length);
    for (let i = 0; i < records.length; i++) {
      let value: unknown;
      try {
        value = this.convert(records[i].value);
      } catch (err) {
        if (!(err instanceof FieldError)) throw err;
        const field = err.path.join('.').replace(/\.\[/g, '[');
        throw new AvroValueError(stream, field, `stream '${stream}', record ${i} (key '${records[i].key}'): field '${field}' ${err.problem} (schema ${this.name}, ${path.basename(this.file)})`);
      }
      out[i] = this.type.toBuffer(value);
    }
    return out;
  }
}

/** The output schemas of a folder, loaded on first use (one per .avsc file). */
export class OutputSchemas {
  private readonly loaded = new Map<string, StreamSchema>();
  constructor(readonly dir: string = shippedSchemaDir()) {}

  get(stream: string): StreamSchema {
    const file = path.join(this.dir, schemaFileOf(stream));
    let s = this.loaded.get(file);
    if (!s) {
      try {
        s = new StreamSchema(file);
      } catch (err) {
        throw new Error(`output stream '${stream}': ${(err as Error).message}`);
      }
      this.loaded.set(file, s);
    }
    return s;
  }
}

export interface AvroFileOptions {
  /** Instance tag: files are OUT/<stream>-<instance>.avro, as DirSink names the .jsonl files. */
  instance?: string;
  schemaDir?: string;
  /** Block codec of new files (default 'null'); an existing file keeps its own. */
  codec?: 'null' | 'deflate';
}

/** `--avro` in file mode: OUT/<stream>.avro container files, one per output stream. */
export class AvroFileOutputs implements AvroOutputs {
  readonly schemas: OutputSchemas;
  private readonly files = new Map<string, ContainerFile>();
  private readonly pending = new Map<string, Buffer[]>();

  constructor(readonly dir: string, private readonly opts: AvroFileOptions = {}) {
    this.schemas = new OutputSchemas(opts.schemaDir);
    mkdirSync(dir, { recursive: true });
  }

  write(stream: string, records: readonly OutRecord[]): void {
    if (records.length === 0) return;
    const encoded = this.encode(stream, records);
    const q = this.pending.get(stream);
    if (q) for (const b of encoded) q.push(b);
    else this.pending.set(stream, encoded);
  }

  encode(stream: string, records: readonly OutRecord[]): Buffer[] {
    return this.schemas.get(stream).encode(stream, records);
  }

  schemaName(stream: string): string {
    return this.schemas.get(stream).label;
  }

  /** Appends the queued records as blocks and fsyncs each file written. */
  flush(): void {
    for (const [stream, records] of this.pending) {
      let f = this.files.get(stream);
      if (!f) {
        const s = this.schemas.get(stream);
        f = ContainerFile.open(path.join(this.dir, `${streamName(stream, this.opts.instance)}.avro`), s.text, this.opts.codec ?? 'null');
        this.files.set(stream, f);
      }
      f.append(records);
      this.pending.delete(stream);
    }
  }

  close(): void {
    this.flush();
    for (const f of this.files.values()) f.close();
    this.files.clear();
  }
}

export interface AvroKafkaOptions {
  /** Instance tag: topics (and registry subjects) are `<stream>-<instance>`. */
  instance?: string;
  schemaDir?: string;
  /** Confluent schema registry, e.g. http://localhost:8081: values in the Confluent wire format. */
  registryUrl?: string;
  /** The same with basic auth / TLS (--schema-registry-config); wins over registryUrl. */
  registry?: RegistryAccess;
  /** Streams to load (and register) at start (default OUTPUT_STREAMS); others, such as new watch lists, on first use. */
  streams?: readonly string[];
}

/** KafkaSink message values: Confluent wire format with a registry, plain Avro binary without. */
export class AvroKafkaEncoding implements AvroOutputs {
  readonly schemas: OutputSchemas;
  private readonly registry: SchemaRegistryClient | null;
  private readonly ids = new Map<string, number>();
  private readonly registering = new Map<string, Promise<void>>();

  constructor(private readonly opts: AvroKafkaOptions = {}) {
    this.schemas = new OutputSchemas(opts.schemaDir);
    const registry = opts.registry ?? opts.registryUrl;
    this.registry = registry ? new SchemaRegistryClient(registry) : null;
  }

  /** Loads every start-up stream's schema and registers it under `<topic>-value`: bad config fails here. */
  static async create(opts: AvroKafkaOptions = {}): Promise<AvroKafkaEncoding> {
    const e = new AvroKafkaEncoding(opts);
    for (const s of opts.streams ?? OUTPUT_STREAMS) await e.ready(s);
    return e;
  }

  subject(stream: string): string {
    return `${streamName(stream, this.opts.instance)}-value`;
  }

  /** The registry id of a stream's schema, once registered. */
  schemaId(stream: string): number | undefined {
    return this.ids.get(stream);
  }

  ready(stream: string): Promise<void> {
    const schema = this.schemas.get(stream); // throws (naming the file) when missing
    if (!this.registry || this.ids.has(stream)) return Promise.resolve();
    let p = this.registering.get(stream);
    if (!p) {
      p = this.registry.register(this.subject(stream), schema.text).then(
        (id) => { this.ids.set(stream, id); },
        (err: unknown) => { this.registering.delete(stream); throw err; }, // a later flush retries
      );
      this.registering.set(stream, p);
    }
    return p;
  }

  encode(stream: string, records: readonly OutRecord[]): Buffer[] {
    const bodies = this.schemas.get(stream).encode(stream, records);
    if (!this.registry) return bodies;
    const id = this.ids.get(stream);
    if (id === undefined) throw new Error(`stream '${stream}' is not registered at ${this.registry.url} yet: await ready('${stream}') before encode`);
    // Confluent wire format: magic 0, schema id (4 bytes, big-endian), Avro binary.
    return bodies.map((b) => {
      const m = Buffer.allocUnsafe(5 + b.length);
      m[0] = 0;
      m.writeUInt32BE(id, 1);
      b.copy(m, 5);
      return m;
    });
  }

  schemaName(stream: string): string {
    return this.schemas.get(stream).label;
  }

  write(): void {
    throw new Error('AvroKafkaEncoding encodes Kafka message values (encode); container files are AvroFileOutputs');
  }

  flush(): void {}
  close(): void {}
}
