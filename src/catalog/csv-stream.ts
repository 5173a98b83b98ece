// A CSV or gzip CSV file as a stream of records, parsed in place in 1 MiB
// chunks of bytes: the text never becomes one JavaScript string, and a record
// cut by a chunk boundary is carried into the next chunk. Gzip is told by its
// magic bytes, not the file name; Node's gunzip runs on the thread pool, so
// on a multi-core machine it overlaps with the parsing.

import { closeSync, createReadStream, fstatSync, openSync, readSync, type ReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { cannotOpen, CatalogInputError } from './csv-errors.js';
import { NEED_MORE, newSpans, scanErrorText, scanFields, type FieldSpans } from './csv-parse.js';
import { isSystemError } from './fs-errors.js';

export interface CsvVisitor {
  /**
   * One record, the header included. `line` is the physical line where it
   * starts (1-based). The bytes are only valid during the call. Return true
   * to stop reading.
   */
  record(buf: Uint8Array, spans: FieldSpans, line: number): boolean | void;
  /**
   * A record that cannot be split into fields (unterminated or misplaced
   * quote, or longer than maxRecordBytes). `field` is the 0-based index of
   * the field at fault, `text` the start of the record. Reading goes on at
   * the next line. Return true to stop.
   */
  malformed(line: number, field: number, reason: string, text: string): boolean | void;
  /**
   * Optional: reads the record at pos in one pass when it is plain (no quote,
   * one line) and good, and returns where the next one starts; FAST_NO when it
   * must go the general way (record and malformed are then called as usual),
   * FAST_MORE when the buffer ends inside it.
   */
  fast?(buf: Uint8Array, pos: number, end: number): number;
}

export const FAST_NO = -1;
export const FAST_MORE = -2;

export interface CsvScanOptions {
  /** A record still open after this many bytes is reported malformed (default 4 MiB): memory stays bounded. */
  maxRecordBytes?: number;
  /** Called after each chunk with the bytes read from the file so far (compressed bytes for gzip). */
  onChunk?: (fileBytes: number) => void;
}

export interface CsvScanResult {
  gzip: boolean;
  /** Physical lines consumed. */
  lines: number;
  fileBytes: number;
  stopped: boolean;
}

const CHUNK = 1 << 20;
const LF = 10;
const decoder = new TextDecoder();

/** True when the file starts with the gzip magic bytes 1f 8b. */
export async function isGzipFile(file: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw cannotOpen(file, err);
  }
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } catch (err) {
    throw new CatalogInputError(file, [], `${file}: cannot read: ${describe(err)}`);
  } finally {
    await fh.close();
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code} (${e.message})` : String(e.message ?? err);
}

/** The start of a record, for messages: up to the line end, at most 200 characters. */
export function recordPreview(buf: Uint8Array, pos: number, end: number): string {
  let e = Math.min(end, pos + 200);
  for (let i = pos; i < e; i++) if (buf[i] === LF) { e = i; break; }
  return decoder.decode(buf.subarray(pos, e)).replace(/\r$/, '');
}

export class Scanner {
  line = 1;
  stopped = false;
  /** Dropping the rest of an overlong record, up to its first line end. */
  skipping = false;
  private readonly spans = newSpans();
  private readonly lines = { extra: 0 };

  constructor(private readonly visitor: CsvVisitor, private readonly maxRecordBytes: number) {}

  /** Consumes the whole records of buf from pos; returns where the unconsumed tail starts. */
  drain(buf: Buffer, pos: number, atEof: boolean): number {
    const end = buf.length;
    if (this.skipping) {
      const k = buf.indexOf(LF, pos);
      if (k < 0) return end;
      this.skipping = false;
      this.line++;
      pos = k + 1;
    }
    const { spans, lines, visitor } = this;
    const fast = visitor.fast ? visitor.fast.bind(visitor) : null;
    while (pos < end) {
      if (fast !== null && end - pos <= this.maxRecordBytes) {
        const f = fast(buf, pos, end);
        if (f >= 0) {
          this.line++;
          pos = f;
          continue;
        }
        if (f === FAST_MORE && !atEof) return pos;
      }
      const r = scanFields(buf, pos, end, spans, atEof, lines);
      if (r >= 0) {
        const stop = visitor.record(buf, spans, this.line);
        this.line += 1 + lines.extra;
        pos = r;
        if (stop) { this.stopped = true; return pos; }
        continue;
      }
      if (r === NEED_MORE && end - pos <= this.maxRecordBytes) return pos;
      const reason = r === NEED_MORE
        ? `record longer than ${this.maxRecordBytes} bytes (unterminated quoted field?)`
        : scanErrorText(r);
      const stop = visitor.malformed(this.line, spans.count, reason, recordPreview(buf, pos, end));
      // Go on at the line after the record's first line.
      const k = buf.indexOf(LF, pos);
      if (k < 0) {
        this.skipping = !atEof;
        pos = end;
      } else {
        this.line++;
        pos = k + 1;
      }
      if (stop) { this.stopped = true; return pos; }
    }
    return pos;
  }
}

/**
 * Bytes not yet parsed, kept at the front of one reused buffer: a record cut
 * by a read is completed by the next one without concatenating chunks.
 */
class CarryBuffer {
  buf = Buffer.allocUnsafe(2 * CHUNK);
  len = 0;
  /** File offset of buf[0] (for files read by offset). */
  base: number;

  constructor(base = 0) {
    this.base = base;
  }

  /** Makes room for `want` more bytes after the held ones. */
  reserve(want: number): void {
    if (this.len + want <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.len + want));
    this.buf.copy(bigger, 0, 0, this.len);
    this.buf = bigger;
  }

  /** Parses the whole records held; keeps the tail. */
  drain(scan: Scanner, atEof: boolean): void {
    const used = scan.drain(this.buf.subarray(0, this.len), 0, atEof);
    this.buf.copyWithin(0, used, this.len);
    this.len -= used;
    this.base += used;
  }
}

/** A plain file, read by offset into one buffer. */
async function readPlain(file: string, scan: Scanner, opts: CsvScanOptions): Promise<number> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    throw cannotOpen(file, err);
  }
  const carry = new CarryBuffer();
  let at = 0;
  try {
    for (;;) {
      carry.reserve(CHUNK);
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(carry.buf, carry.len, CHUNK, at));
      } catch (err) {
        throw new CatalogInputError(file, [], `${file}: cannot read after line ${scan.line - 1}: ${describe(err)}`);
      }
      carry.len += n;
      at += n;
      carry.drain(scan, n === 0);
      if (n === 0 || scan.stopped) break;
      opts.onChunk?.(at);
    }
  } finally {
    await fh.close();
  }
  return at;
}

/**
 * Calls the visitor for every record of a CSV or gzip CSV file, in order.
 * Throws CatalogInputError when the file cannot be opened or its gzip data is
 * corrupt or truncated.
 */
export async function forEachCsvRecord(file: string, visitor: CsvVisitor, opts: CsvScanOptions = {}): Promise<CsvScanResult> {
  const maxRecordBytes = opts.maxRecordBytes ?? 4 * CHUNK;
  const gzip = await isGzipFile(file);
  const scan = new Scanner(visitor, maxRecordBytes);
  if (!gzip) {
    const fileBytes = await readPlain(file, scan, opts);
    return { gzip, lines: scan.line - 1, fileBytes, stopped: scan.stopped };
  }
  const raw: ReadStream = createReadStream(file, { highWaterMark: CHUNK });
  // pipeline, not pipe: a read error must end the gunzip side too, or the loop would wait forever.
  const source: AsyncIterable<Buffer> = pipeline(raw, createGunzip({ chunkSize: CHUNK }), () => {});
  const carry = new CarryBuffer();
  let inVisitor = false;
  try {
    for await (const chunk of source) {
      carry.reserve(chunk.length);
      chunk.copy(carry.buf, carry.len);
      carry.len += chunk.length;
      inVisitor = true;
      carry.drain(scan, false);
      inVisitor = false;
      if (scan.stopped) break;
      opts.onChunk?.(raw.bytesRead);
    }
  } catch (err) {
    if (inVisitor || err instanceof CatalogInputError) throw err;
    throw new CatalogInputError(file, [], `${file}: gzip data is corrupt or truncated after line ${scan.line - 1}: ${describe(err)}`);
  } finally {
    raw.destroy();
  }
  if (!scan.stopped && carry.len > 0) carry.drain(scan, true);
  return { gzip, lines: scan.line - 1, fileBytes: raw.bytesRead, stopped: scan.stopped };
}

export interface RangeScan {
  /** Physical lines consumed (numbered from 1 at `start`). */
  lines: number;
  /** File offset after the last record read: `end`, or past it when a record straddles it. */
  consumedEnd: number;
  stopped: boolean;
}

/**
 * Calls the visitor for the records of a plain CSV file that start in
 * [start, end): `start` must be where a record begins; the record that
 * straddles `end` is read to its close (line by line beyond `end`, so no
 * record after it is touched). Synchronous: for worker threads.
 */
export function scanFileRange(file: string, start: number, end: number, visitor: CsvVisitor, opts: CsvScanOptions = {}): RangeScan {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw cannotOpen(file, err);
  }
  const scan = new Scanner(visitor, opts.maxRecordBytes ?? 4 * CHUNK);
  const carry = new CarryBuffer(start);
  let at = start; // next file offset to read
  try {
    const size = fstatSync(fd).size;
    const read = (want: number): number => {
      carry.reserve(want);
      const n = readSync(fd, carry.buf, carry.len, want, at);
      carry.len += n;
      at += n;
      return n;
    };
    while (at < end && !scan.stopped) {
      if (read(Math.min(CHUNK, end - at)) === 0) break;
      carry.drain(scan, at >= size);
      opts.onChunk?.(at - start);
    }
    // A record cut by `end`: feed it one line at a time until it closes.
    while (carry.len > 0 && !scan.stopped && at < size) {
      const k = read(Math.min(1 << 16, size - at));
      if (k === 0) break; // the file shrank under us
      const lf = carry.buf.indexOf(LF, carry.len - k);
      if (lf >= 0 && lf + 1 < carry.len) { at -= carry.len - (lf + 1); carry.len = lf + 1; }
      carry.drain(scan, at >= size);
    }
  } catch (err) {
    if (err instanceof CatalogInputError || !isSystemError(err)) throw err;
    throw new CatalogInputError(file, [], `${file}: cannot read after byte ${carry.base}: ${describe(err)}`);
  } finally {
    closeSync(fd);
  }
  return { lines: scan.line - 1, consumedEnd: carry.base, stopped: scan.stopped };
}
