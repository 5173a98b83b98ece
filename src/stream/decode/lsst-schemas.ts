// Where Rubin writer schemas come from when a message only carries a schema
// id (Confluent wire format): a folder of .avsc files, or a Confluent schema
// registry. Both cache the compiled type per id; neither parses per message.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type avsc from 'avsc';
import { compileSchema, newRegistry, type Registry } from '../avro/compile.js';
import { DecodeError } from '../avro/errors.js';
import { compileNamedSchemas, namesOf } from '../avro/named-schemas.js';
import type { ParsedSchema } from '../avro/schema-cache.js';
import type { Json } from '../avro/schema-fix.js';
import { lsstVersionOfId } from './sniff.js';

export interface SchemaSource {
  /** The writer schema registered under `id`; DecodeError('unknown_schema_id') if none. */
  get(id: number): ParsedSchema | Promise<ParsedSchema>;
}

function parsed(type: avsc.Type, text: string, defaultsDropped: number): ParsedSchema {
  return {
    type,
    text,
    sha256: createHash('sha256').update(text).digest('hex'),
    name: (type as unknown as { name?: string }).name ?? '',
    version: null,
    defaultsDropped,
  };
}

function listAvsc(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.avsc'))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

/**
 * Schemas from a folder of .avsc files (searched recursively), grouped by
 * namespace `lsst.vX_Y`; id X*100+Y is the namespace's `alert` record with
 * every file of that namespace loaded first.
 */
export class FolderSchemaSource implements SchemaSource {
  private readonly files = new Map<string, { file: string; text: string }[]>();
  private readonly compiled = new Map<number, ParsedSchema>();

  constructor(readonly folder: string) {
    let list: string[];
    try {
      list = listAvsc(folder);
    } catch (err) {
      throw new RangeError(`lsstSchemas must be a readable folder, got ${folder}: ${(err as Error).message}`);
    }
    for (const file of list) {
      const text = readFileSync(file, 'utf8');
      let ns: unknown;
      try {
        ns = (JSON.parse(text) as { namespace?: unknown }).namespace;
      } catch {
        continue; // not a schema file
      }
      if (typeof ns !== 'string') continue;
      const group = this.files.get(ns) ?? [];
      group.push({ file, text });
      this.files.set(ns, group);
    }
  }

  /** Namespaces found, e.g. ['lsst.v10_0', 'lsst.v11_0', ...]. */
  get namespaces(): string[] {
    return [...this.files.keys()].sort();
  }

  get(id: number): ParsedSchema {
    const hit = this.compiled.get(id);
    if (hit !== undefined) return hit;
    const ns = `lsst.v${lsstVersionOfId(id).replace('.', '_')}`;
    const group = Number.isInteger(id) && id >= 0 ? this.files.get(ns) : undefined;
    if (group === undefined) {
      throw new DecodeError('unknown_schema_id', `schema id ${id} (${ns}) is not in ${this.folder}`);
    }
    const top = `${ns}.alert`;
    let type: avsc.Type | undefined;
    try {
      const jsons = group.map((g) => JSON.parse(g.text) as Json);
      type = compileNamedSchemas(jsons)[top];
    } catch (err) {
      throw new DecodeError('bad_schema', `schemas of ${ns} in ${this.folder} do not compile: ${(err as Error).message}`, { cause: err });
    }
    if (type === undefined) throw new DecodeError('unknown_schema_id', `no ${top} record in ${this.folder}`);
    const text = group.map((g) => g.text).join('\n');
    const result = parsed(type, text, 0);
    this.compiled.set(id, result);
    return result;
  }
}

interface RegistryAnswer {
  schema?: unknown;
  schemaType?: unknown;
  references?: { name?: unknown; subject?: unknown; version?: unknown }[];
}

export interface RegistrySourceOptions {
  /** fetch implementation (Node's global fetch by default). */
  fetch?: typeof fetch;
  /** Per-request timeout, ms (default 10 s). */
  timeoutMs?: number;
}

/**
 * Schemas from a Confluent schema registry: GET {url}/schemas/ids/{id}, with
 * schema references (GET {url}/subjects/{subject}/versions/{version}) loaded
 * first. One request per id for the life of the source; a failed lookup is
 * not cached, so a later message retries.
 */
export class RegistrySchemaSource implements SchemaSource {
  private readonly byId = new Map<number, Promise<ParsedSchema>>();
  private readonly resolved = new Map<number, ParsedSchema>();
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  readonly url: string;

  constructor(url: string, opts: RegistrySourceOptions = {}) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new TypeError(`schemaRegistryUrl must be an http(s) URL, got ${url}`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new TypeError(`schemaRegistryUrl must be an http(s) URL, got ${url}`);
    }
    this.url = url.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Requests made so far (each id once while it succeeds). */
  requests = 0;

  /** Synchronous once the id has been fetched, so the steady state never awaits. */
  get(id: number): ParsedSchema | Promise<ParsedSchema> {
    const done = this.resolved.get(id);
    if (done !== undefined) return done;
    let p = this.byId.get(id);
    if (p === undefined) {
      p = this.load(id);
      this.byId.set(id, p);
      p.then(
        (schema) => this.resolved.set(id, schema),
        () => this.byId.delete(id),
      );
    }
    return p;
  }

  private async getJson(pathPart: string, notFound: () => DecodeError): Promise<RegistryAnswer> {
    this.requests++;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.url}${pathPart}`, {
        headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new DecodeError('schema_registry_error', `schema registry ${this.url} unreachable: ${(err as Error).message}`, { cause: err });
    }
    if (res.status === 404) throw notFound();
    if (!res.ok) throw new DecodeError('schema_registry_error', `schema registry answered ${res.status} for ${pathPart}`);
    try {
      return (await res.json()) as RegistryAnswer;
    } catch (err) {
      throw new DecodeError('schema_registry_error', `schema registry sent invalid JSON for ${pathPart}`, { cause: err });
    }
  }

  private schemaText(a: RegistryAnswer, what: string): string {
    if (a.schemaType !== undefined && a.schemaType !== 'AVRO') {
      throw new DecodeError('bad_schema', `${what} is a ${String(a.schemaType)} schema, not Avro`);
    }
    if (typeof a.schema !== 'string') throw new DecodeError('schema_registry_error', `${what}: answer has no schema text`);
    return a.schema;
  }

  /** Registers the references of an answer (depth first) in `registry`. */
  private async loadReferences(a: RegistryAnswer, registry: Registry, seen: Set<string>): Promise<void> {
    for (const ref of a.references ?? []) {
      const subject = String(ref.subject);
      const version = String(ref.version);
      const key = `${subject}/${version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const pathPart = `/subjects/${encodeURIComponent(subject)}/versions/${encodeURIComponent(version)}`;
      const sub = await this.getJson(pathPart, () => new DecodeError('schema_registry_error', `reference ${key} not found`));
      await this.loadReferences(sub, registry, seen);
      const json = JSON.parse(this.schemaText(sub, `reference ${key}`)) as Json;
      // The same name may arrive through two paths; register it once.
      if ([...namesOf(json).defines].every((n) => n in registry)) continue;
      compileSchema(json, registry);
    }
  }

  private async load(id: number): Promise<ParsedSchema> {
    if (!Number.isInteger(id) || id < 0) throw new DecodeError('unknown_schema_id', `schema id ${id} is not valid`);
    const a = await this.getJson(`/schemas/ids/${id}`, () => new DecodeError('unknown_schema_id', `schema id ${id} is not in the registry ${this.url}`));
    const text = this.schemaText(a, `schema id ${id}`);
    try {
      const registry = newRegistry();
      await this.loadReferences(a, registry, new Set());
      const { type, defaultsDropped } = compileSchema(JSON.parse(text) as Json, registry);
      return parsed(type, text, defaultsDropped);
    } catch (err) {
      if (err instanceof DecodeError) throw err;
      throw new DecodeError('bad_schema', `schema id ${id} from ${this.url} does not compile: ${(err as Error).message}`, { cause: err });
    }
  }
}
