// Kafka message bytes -> alerts. Two formats, told apart by their first bytes:
//   an Avro object container file carrying its own schema (ZTF; also Rubin
//   alerts re-published by brokers such as Fink), possibly several records;
//   the Confluent wire format (magic byte 0, 4-byte big-endian schema id, one
//   Avro record) used by Rubin, with the schema found by id in a folder of
//   .avsc files (id = major * 100 + minor, Rubin's convention: 11.1 -> 1101)
//   or in a schema registry (GET {url}/schemas/ids/{id}).
// The survey is told from the record's fields (ZTF: candid + candidate; Rubin:
// diaSource).

import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type avro from 'avsc';
import { typeOf, typeOfNamed } from './avro-types.js';
import type { Alert } from './alert.js';
import { RegistryAccess } from '../kafka/registry-access.js';
import { isContainer, readContainer } from './container.js';
import { DecodeError } from './errors.js';
import { normalizeLsst } from './lsst.js';
import { normalizeZtf } from './ztf.js';

export interface DecoderOptions {
  /** A folder holding Rubin .avsc files (lsst.vX_Y.<record>.avsc, any depth). */
  lsstSchemas?: string;
  /** A Confluent schema registry, e.g. http://localhost:8081. */
  schemaRegistryUrl?: string;
  /** The same with basic auth / TLS (--schema-registry-config); wins over schemaRegistryUrl. */
  schemaRegistry?: RegistryAccess;
  /**
   * Read only what the pipeline uses of ZTF packets (Alert.candidate then holds
   * those fields alone; histories and photometry are complete). Default false.
   */
  skim?: boolean;
}

interface WireSchema {
  type: avro.Type;
  version: string;
  /** The schema as JSON text (named records inlined), for archives. */
  text: string;
}

const FILE = /^lsst\.v(\d+)_(\d+)\.(\w+)\.avsc$/;

function listAvsc(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) out.push(...listAvsc(p));
    else if (FILE.test(f)) out.push(p);
  }
  return out;
}

/** Rubin schemas by id from a folder: every version found, parsed on first use. */
export class SchemaFolder {
  private readonly files = new Map<number, { version: string; paths: string[] }>();
  private readonly types = new Map<number, WireSchema>();

  constructor(readonly dir: string) {
    for (const p of listAvsc(dir)) {
      const m = FILE.exec(path.basename(p))!;
      const id = Number(m[1]) * 100 + Number(m[2]);
      const e = this.files.get(id) ?? { version: `${m[1]}.${m[2]}`, paths: [] };
      e.paths.push(p);
      this.files.set(id, e);
    }
  }

  ids(): number[] {
    return [...this.files.keys()].sort((a, b) => a - b);
  }

  get(id: number): WireSchema | undefined {
    const hit = this.types.get(id);
    if (hit) return hit;
    const e = this.files.get(id);
    if (!e) return undefined;
    // Sub-records first, the alert record (which names them) last.
    const ordered = [...e.paths].sort((a, b) => Number(a.endsWith('.alert.avsc')) - Number(b.endsWith('.alert.avsc')) || a.localeCompare(b));
    const t = typeOfNamed(ordered.map((p) => JSON.parse(readFileSync(p, 'utf8'))));
    const s = { type: t, version: e.version, text: JSON.stringify(t.schema()) };
    this.types.set(id, s);
    return s;
  }
}

/** Rubin schemas by id from a Confluent schema registry, cached. */
export class SchemaRegistry {
  private readonly types = new Map<number, WireSchema>();
  private readonly access: RegistryAccess;
  constructor(access: RegistryAccess | string) {
    this.access = typeof access === 'string' ? new RegistryAccess(access) : access;
  }

  /** The registry's URL, without user info. */
  get url(): string {
    return this.access.url;
  }

  async get(id: number): Promise<WireSchema | undefined> {
    const hit = this.types.get(id);
    if (hit) return hit;
    let res: { status: number; text: string };
    try {
      res = await this.access.request(`/schemas/ids/${id}`, { headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json' } });
    } catch (err) {
      throw new DecodeError('schema-registry-unavailable', `schema registry ${this.url} did not answer: ${(err as Error).message}`);
    }
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status > 299) throw new DecodeError('schema-registry-unavailable', `schema registry ${this.url} answered ${res.status} for schema ${id}${res.status === 401 || res.status === 403 ? ' (basic.auth.user.info?)' : ''}`);
    let body: { schema?: string };
    try {
      body = JSON.parse(res.text) as { schema?: string };
    } catch {
      throw new DecodeError('bad-schema', `schema registry ${this.url} answered schema ${id} with non-JSON`);
    }
    if (typeof body.schema !== 'string') throw new DecodeError('bad-schema', `schema registry returned no schema for id ${id}`);
    const ns = /"namespace"\s*:\s*"lsst\.v(\d+)_(\d+)"/.exec(body.schema);
    const s = { type: typeOf(body.schema), version: ns ? `${ns[1]}.${ns[2]}` : `id ${id}`, text: body.schema };
    this.types.set(id, s);
    return s;
  }
}

function normalize(record: Record<string, unknown>, schemaText: string | null, version: string | null): Alert {
  if ('candidate' in record && ('candid' in record || 'objectId' in record)) return normalizeZtf(record);
  if ('diaSource' in record) {
    let v = version;
    if (!v && typeof record.lsst_schema_version === 'string') v = record.lsst_schema_version.replace(/^lsst\.v/, '').replace('_', '.');
    if (!v && schemaText) {
      const ns = /"namespace"\s*:\s*"lsst\.v(\d+)_(\d+)"/.exec(schemaText);
      if (ns) v = `${ns[1]}.${ns[2]}`;
    }
    return normalizeLsst(record, v ?? 'unknown');
  }
  throw new DecodeError('unknown-survey', `record has neither ZTF (candid, candidate) nor Rubin (diaSource) fields: ${Object.keys(record).slice(0, 8).join(', ')}`);
}

/** An alert with the bytes it came in: its Avro record, unchanged, and the schema to read them. */
export interface DecodedAlert {
  alert: Alert;
  /** The record's Avro binary encoding as received. */
  raw: Uint8Array;
  /** The writer schema (JSON text) of raw. */
  schemaText: string;
}

export class AlertDecoder {
  private readonly folder: SchemaFolder | null;
  private readonly registry: SchemaRegistry | null;

  private readonly skim: boolean;

  constructor(opts: DecoderOptions = {}) {
    this.skim = opts.skim ?? false;
    this.folder = opts.lsstSchemas ? new SchemaFolder(opts.lsstSchemas) : null;
    const registry = opts.schemaRegistry ?? opts.schemaRegistryUrl;
    this.registry = registry ? new SchemaRegistry(registry) : null;
  }

  /** Alerts of one Kafka message (a container may hold several). Throws DecodeError. */
  async decode(message: Uint8Array): Promise<Alert[]> {
    return (await this.decodeWithRaw(message)).map((d) => d.alert);
  }

  /** Alerts with their raw record bytes and writer schema (for the archive). */
  async decodeWithRaw(message: Uint8Array): Promise<DecodedAlert[]> {
    if (!message || message.length === 0) throw new DecodeError('empty-message', 'message is empty');
    if (isContainer(message)) {
      const { header, records, raws } = readContainer(message, { skim: this.skim });
      return records.map((r, i) => ({ alert: normalize(r as Record<string, unknown>, header.schemaText, null), raw: raws[i], schemaText: header.schemaText }));
    }
    if (message[0] === 0 && message.length >= 5) {
      const id = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(1, false);
      const s = this.folder?.get(id) ?? (this.registry ? await this.registry.get(id) : undefined);
      if (!s) throw new DecodeError('unknown-schema-id', `Confluent schema id ${id} is not known${this.folder ? ` in ${this.folder.dir}` : ''}${this.registry ? ` or at ${this.registry.url}` : ''}`);
      let r: { value: unknown; offset: number };
      try {
        r = s.type.decode(Buffer.from(message.buffer, message.byteOffset + 5, message.byteLength - 5), 0) as { value: unknown; offset: number };
      } catch (err) {
        throw new DecodeError('bad-record', `schema ${id} record does not decode: ${(err as Error).message}`);
      }
      if (r.offset < 0) throw new DecodeError('truncated', `schema ${id} record is cut`);
      return [{ alert: normalize(r.value as Record<string, unknown>, null, s.version), raw: message.subarray(5, 5 + r.offset), schemaText: s.text }];
    }
    throw new DecodeError('bad-container', `message is neither an Avro container (Obj\\x01) nor Confluent wire format (byte 0 = 0), first byte ${message[0]}`);
  }
}
