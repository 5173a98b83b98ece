// A Confluent schema registry client for the producing side: register an
// output stream's schema under its subject (TopicNameStrategy:
// `<topic>-value`) and get the id that the Confluent wire format carries.
// The registry gives the same id to the same schema under any subject, and
// registering an already registered schema is a no-op that returns its id,
// so registering at every start is safe. (Reading schemas by id for decoding
// lives in decoding/decoder.ts.)

import { RegistryAccess } from '../kafka/registry-access.js';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class SchemaRegistryError extends Error {
  override name = 'SchemaRegistryError';
}

export class SchemaRegistryClient {
  private readonly access: RegistryAccess;
  /** The registry's URL, without user info. */
  readonly url: string;

  constructor(url: string | RegistryAccess, private readonly timeoutMs = 10_000) {
    if (typeof url === 'string' && !/^https?:\/\//.test(url)) throw new TypeError(`schema registry URL must be http(s)://HOST:PORT, got '${url.replace(/^(\w+:\/\/)[^@/]*@/, '$1***@')}'`);
    this.access = typeof url === 'string' ? new RegistryAccess(url) : url;
    this.url = this.access.url;
  }

  /** Registers an Avro schema (JSON text) under a subject; returns the registry's schema id. */
  async register(subject: string, schemaText: string): Promise<number> {
    const where = `/subjects/${encodeURIComponent(subject)}/versions`;
    const body = await this.call(where, { method: 'POST', headers: { 'content-type': CONTENT_TYPE, accept: CONTENT_TYPE }, body: JSON.stringify({ schema: schemaText }) });
    const id = (body as { id?: unknown }).id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0x7fffffff) {
      throw new SchemaRegistryError(`schema registry ${this.url} returned no valid id registering subject '${subject}': ${JSON.stringify(body).slice(0, 200)}`);
    }
    return id;
  }

  /** The schema text registered under an id. */
  async schema(id: number): Promise<string> {
    const body = await this.call(`/schemas/ids/${id}`, { headers: { accept: CONTENT_TYPE } });
    const s = (body as { schema?: unknown }).schema;
    if (typeof s !== 'string') throw new SchemaRegistryError(`schema registry ${this.url} returned no schema for id ${id}`);
    return s;
  }

  private async call(where: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<unknown> {
    let res: { status: number; text: string };
    try {
      res = await this.access.request(where, { ...init, timeoutMs: this.timeoutMs });
    } catch (err) {
      throw new SchemaRegistryError(`schema registry ${this.url} did not answer ${init.method ?? 'GET'} ${where}: ${(err as Error).message}`);
    }
    const text = res.text;
    if (res.status < 200 || res.status > 299) {
      // Confluent errors: {"error_code": 42201, "message": "Invalid schema ..."}.
      throw new SchemaRegistryError(`schema registry ${this.url} answered ${res.status} to ${init.method ?? 'GET'} ${where}: ${text.slice(0, 300)}`);
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new SchemaRegistryError(`schema registry ${this.url} answered ${init.method ?? 'GET'} ${where} with non-JSON: ${text.slice(0, 200)}`);
    }
  }
}
