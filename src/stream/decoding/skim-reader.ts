// A compiled reader for the skimmed ZTF record: for a writer type and the set
// of fields kept per record, one generated JavaScript function that reads the
// kept fields and steps over the others in place.
//
// Why not avsc's resolver: it skips an unread field by a generic call per
// field (UnionType._skip -> branch._skip), and a ZTF packet has ~30 history
// entries of ~60 fields of which 9 are read: most of the decoding time went on
// skipping. Here a skipped ["null", "float"] is two inline lines. The values
// produced are exactly those of avsc with skyjoin's types (longs as BigInt,
// bytes copied, unions unwrapped), and the same guards hold: a block count
// larger than the bytes left fails instead of looping, and a record that runs
// past the end of the buffer comes back with offset -1 (avsc's convention).

import type avro from 'avsc';

interface AvroType {
  typeName: string;
  name?: string;
  fields?: Array<{ name: string; type: AvroType }>;
  itemsType?: AvroType;
  valuesType?: AvroType;
  types?: AvroType[];
  symbols?: string[];
  size?: number;
}

export type SkimRead = (buf: Buffer, pos: number) => { value: unknown; offset: number };

class Unsupported extends Error {}

// Items that may take zero bytes (null, empty record) cannot be bounded by the
// bytes left: cap their count at a size no real packet reaches (as guarded-types.ts).
const ZERO_SIZE_ITEM_CAP = 1 << 24;

const RUNTIME = `
let b, p, dv;
function bad(what) { throw new RangeError(what); }
function rl() {
  let x = b[p++], n = x & 127, m = 128;
  while (x & 128) { x = b[p++]; n += (x & 127) * m; m *= 128; }
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}
function rL() {
  let x = b[p++], n = x & 127, m = 128;
  while (x & 128 && m < 562949953421312) { x = b[p++]; n += (x & 127) * m; m *= 128; }
  if (!(x & 128)) return BigInt(n % 2 === 0 ? n / 2 : -(n + 1) / 2);
  // Beyond 49 bits (ZTF candids): the high bits apart, then one BigInt step.
  let hi = 0, k = 1;
  while (x & 128) { x = b[p++]; hi += (x & 127) * k; k *= 128; }
  const u = BigInt.asUintN(64, (BigInt(hi) << 49n) + BigInt(n));
  return n % 2 === 0 ? u >> 1n : -(u >> 1n) - 1n;
}
function rs() {
  const n = rl(); if (n < 0) bad('negative string length');
  const s = p; p += n; return p > b.length ? '' : b.utf8Slice(s, p);
}
function rfx(n) {
  const s = p; p += n; if (p > b.length) return undefined;
  const out = Buffer.allocUnsafe(n); b.copy(out, 0, s, p); return out;
}
function rb() { const n = rl(); if (n < 0) bad('negative bytes length'); return rfx(n); }
function count(limit) {
  let n = rl();
  if (n < 0) { n = -n; rl(); }
  if (n > (limit === 0 ? b.length - p : limit)) bad('block claims ' + n + ' items but only ' + Math.max(0, b.length - p) + ' bytes remain');
  return n;
}
`;

class Compiler {
  private readonly fns: string[] = [];
  private readonly records = new Map<AvroType, { read?: string; skip?: string }>();
  private readonly consts: unknown[] = [];
  private n = 0;

  constructor(private readonly keep: (recordName: string) => ReadonlySet<string> | undefined) {}

  private id(prefix: string): string {
    return `${prefix}${this.n++}`;
  }

  private constant(v: unknown): string {
    this.consts.push(v);
    return `C[${this.consts.length - 1}]`;
  }

  /** Statements that step over one value of t. */
  skip(t: AvroType): string {
    switch (t.typeName) {
      case 'null': return '';
      case 'boolean': return 'p++;';
      case 'int': case 'long': case 'abstract:long': case 'enum': return 'while (b[p++] & 128);';
      case 'float': return 'p += 4;';
      case 'double': return 'p += 8;';
      case 'string': case 'bytes': { return '{ const n = rl(); if (n < 0) bad("negative length"); p += n; }'; }
      case 'fixed': return `p += ${t.size};`;
      case 'record': return `${this.recordFn(t, 'skip')}();`;
      case 'array': case 'map': {
        const item = t.typeName === 'array' ? t.itemsType! : t.valuesType!;
        const key = t.typeName === 'map' ? '{ const n = rl(); if (n < 0) bad("negative length"); p += n; }' : '';
        // A negative count comes with the block's byte size: step over it whole.
        return `for (let n = rl(); n !== 0; n = rl()) { if (n < 0) { const size = rl(); if (size < 0) bad("negative block size"); p += size; continue; } if (n > ${Compiler.zeroSize(item) ? ZERO_SIZE_ITEM_CAP : 'b.length - p'}) bad('block claims ' + n + ' items'); while (n-- > 0) { ${key} ${this.skip(item)} } }`;
      }
      case 'union:unwrapped': case 'union:wrapped': {
        const cases = t.types!.map((u, i) => {
          const s = this.skip(u);
          return s ? `case ${i}: ${s} break;` : `case ${i}: break;`;
        });
        return `switch (rl()) { ${cases.join(' ')} default: bad('bad union branch'); }`;
      }
      default: throw new Unsupported(t.typeName);
    }
  }

  /** Items that may take no bytes (null, empty record): their blocks are capped, not bounded by the bytes left. */
  private static zeroSize(item: AvroType): boolean {
    return item.typeName === 'null' || (item.typeName === 'record' && item.fields?.length === 0);
  }

  /** An expression that reads one value of t. */
  read(t: AvroType): string {
    switch (t.typeName) {
      case 'null': return 'null';
      case 'boolean': return '(b[p++] !== 0)';
      case 'int': return 'rl()';
      case 'long': case 'abstract:long': return 'rL()';
      case 'float': return '(p += 4, dv.getFloat32(p - 4, true))';
      case 'double': return '(p += 8, dv.getFloat64(p - 8, true))';
      case 'string': return 'rs()';
      case 'bytes': return 'rb()';
      case 'fixed': return `rfx(${t.size})`;
      case 'enum': {
        const sym = this.constant(t.symbols);
        return `(${sym}[rl()] ?? bad('bad enum index'))`;
      }
      case 'record': return `${this.recordFn(t, 'read')}()`;
      case 'array': {
        const f = this.id('a');
        // count(0): bounded by the bytes left.
        const cap = Compiler.zeroSize(t.itemsType!) ? ZERO_SIZE_ITEM_CAP : 0;
        this.fns.push(`function ${f}() { const out = []; for (let n = count(${cap}); n !== 0; n = count(${cap})) { while (n-- > 0) out.push(${this.read(t.itemsType!)}); } return out; }`);
        return `${f}()`;
      }
      case 'map': {
        const f = this.id('m');
        this.fns.push(`function ${f}() { const out = {}; for (let n = count(0); n !== 0; n = count(0)) { while (n-- > 0) { const k = rs(); const v = ${this.read(t.valuesType!)}; if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true }); else out[k] = v; } } return out; }`);
        return `${f}()`;
      }
      case 'union:unwrapped': {
        const f = this.id('u');
        const cases = t.types!.map((u, i) => `case ${i}: return ${this.read(u)};`);
        this.fns.push(`function ${f}() { switch (rl()) { ${cases.join(' ')} default: bad('bad union branch'); } }`);
        return `${f}()`;
      }
      default: throw new Unsupported(t.typeName);
    }
  }

  /** The name of the function that reads (or skips) a record type; generated once per type. */
  recordFn(t: AvroType, mode: 'read' | 'skip'): string {
    let e = this.records.get(t);
    if (!e) this.records.set(t, (e = {}));
    const have = e[mode];
    if (have) return have;
    const f = this.id(mode === 'read' ? 'r' : 's');
    e[mode] = f; // before the body: a record may contain itself
    const fields = t.fields ?? [];
    let body: string;
    if (mode === 'skip') {
      body = fields.map((x) => this.skip(x.type)).join('\n');
    } else {
      const short = (t.name ?? '').slice((t.name ?? '').lastIndexOf('.') + 1);
      const keep = this.keep(short);
      const lines = ['const o = {};'];
      for (const x of fields) {
        if (keep && !keep.has(x.name)) { lines.push(this.skip(x.type)); continue; }
        const v = this.read(x.type);
        lines.push(x.name === '__proto__' ? `Object.defineProperty(o, '__proto__', { value: ${v}, enumerable: true, writable: true });` : `o[${JSON.stringify(x.name)}] = ${v};`);
      }
      lines.push('return o;');
      body = lines.join('\n');
    }
    this.fns.push(`function ${f}() {\n${body}\n}`);
    return f;
  }

  build(root: AvroType): SkimRead {
    const top = this.recordFn(root, 'read');
    const src = `${RUNTIME}\n${this.fns.join('\n')}\nreturn function read(buf, pos) { b = buf; p = pos; dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength); try { const value = ${top}(); return { value, offset: p > b.length ? -1 : p }; } catch (err) { if (p > b.length) return { value: undefined, offset: -1 }; throw err; } finally { b = undefined; dv = undefined; } };`;
    return new Function('C', 'Buffer', src)(this.consts, Buffer) as SkimRead;
  }
}

/**
 * A reader of `type` (a parsed avsc record type) that keeps, in each record,
 * the fields `keep(recordShortName)` lists (all fields when it returns
 * undefined). Null when the schema uses a type this compiler does not know
 * (logical types, wrapped unions): the caller then reads with avsc.
 */
export function compileSkimReader(type: avro.Type, keep: (recordName: string) => ReadonlySet<string> | undefined): SkimRead | null {
  const t = type as unknown as AvroType;
  if (t.typeName !== 'record') return null;
  try {
    return new Compiler(keep).build(t);
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
}
