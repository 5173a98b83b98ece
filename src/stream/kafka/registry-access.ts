// How skyjoin reaches a Confluent schema registry: its URL (--schema-registry)
// and, from `--schema-registry-config FILE` with SKYJOIN_SCHEMA_REGISTRY_* over
// it, basic auth and TLS as Confluent's clients name them:
//   basic.auth.credentials.source=USER_INFO | URL
//   basic.auth.user.info=USER:PASSWORD
//   ssl.ca.location, ssl.certificate.location, ssl.key.location, ssl.key.password,
//   ssl.endpoint.identification.algorithm=https | none
//   url (or schema.registry.url) when --schema-registry is not given
// Requests go through node:http(s) so that a CA file and a client certificate
// apply (fetch has no place for them). The password never leaves this module:
// the URL shown in messages has no user info, and JSON/inspect show describe().

import { existsSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { inspect } from 'node:util';
import { KafkaConfigError, loadProperties, type Property } from './properties.js';

export const REGISTRY_PROPERTIES = [
  'url', 'schema.registry.url', 'basic.auth.credentials.source', 'basic.auth.user.info',
  'ssl.ca.location', 'ssl.certificate.location', 'ssl.key.location', 'ssl.key.password', 'ssl.endpoint.identification.algorithm',
] as const;

export class RegistryAccessError extends Error {
  override name = 'SchemaRegistryConfigError';
}

interface TlsFiles { ca?: Buffer; cert?: Buffer; key?: Buffer; passphrase?: string; checkServerIdentity?: () => undefined }

export class RegistryAccess {
  /** The URL without user info: safe to print. */
  readonly url: string;
  readonly #authorization: string | undefined;
  readonly #tls: TlsFiles;
  private readonly base: URL;

  constructor(url: string, o: { user?: string; password?: string; tls?: TlsFiles; caFile?: string; clientCert?: string } = {}) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new RegistryAccessError(`schema registry URL must be http(s)://HOST:PORT, got '${redactUrl(url)}'`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RegistryAccessError(`schema registry URL must be http(s)://HOST:PORT, got '${redactUrl(url)}'`);
    const user = o.user ?? (u.username ? decodeURIComponent(u.username) : undefined);
    const password = o.password ?? (u.password ? decodeURIComponent(u.password) : undefined);
    u.username = '';
    u.password = '';
    this.base = u;
    this.url = u.toString().replace(/\/+$/, '');
    this.#authorization = user !== undefined ? `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}` : undefined;
    this.#tls = o.tls ?? {};
    this.user = user;
    this.caFile = o.caFile;
    this.clientCert = o.clientCert;
  }

  readonly user: string | undefined;
  readonly caFile: string | undefined;
  readonly clientCert: string | undefined;

  describe(): string {
    return [this.url, this.user !== undefined ? `basic auth as '${this.user}'` : '', this.caFile ? `CA ${this.caFile}` : '', this.clientCert ? `client certificate ${this.clientCert}` : '']
      .filter(Boolean).join(', ');
  }

  toJSON(): string {
    return this.describe();
  }

  [inspect.custom](): string {
    return `RegistryAccess(${this.describe()})`;
  }

  /**
   * One request to `{url}{pathname}`: resolves with the status and body
   * text; rejects (network, TLS, time limit) with an Error whose message has
   * no secret.
   */
  request(pathname: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {}): Promise<{ status: number; text: string }> {
    const target = new URL(this.base.pathname.replace(/\/+$/, '') + pathname, this.base);
    const lib = target.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...init.headers };
    if (this.#authorization) headers.authorization = this.#authorization;
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    return new Promise((resolve, reject) => {
      const req = lib.request(target, { method: init.method ?? 'GET', headers, timeout: init.timeoutMs ?? 10_000, ...(target.protocol === 'https:' ? this.#tls : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${(init.timeoutMs ?? 10_000) / 1000} s`)));
      req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message)));
      req.end(init.body);
    });
  }
}

/** A URL with any user info replaced by '***'. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)[^@/]*@/, '$1***@');
}

function readPem(p: Property, what: string): Buffer {
  if (!existsSync(p.value) || statSync(p.value).isDirectory()) throw new RegistryAccessError(`${what} ${p.value} (${p.origin}): no such file`);
  const b = readFileSync(p.value);
  if (!b.includes('-----BEGIN ')) throw new RegistryAccessError(`${what} ${p.value} (${p.origin}) is not PEM (no -----BEGIN line)`);
  return b;
}

/**
 * The registry a run uses: `--schema-registry URL` (or the file's url), with
 * `--schema-registry-config FILE` and SKYJOIN_SCHEMA_REGISTRY_* over it.
 * Undefined when no URL is given anywhere.
 */
export function loadRegistryAccess(url: string | undefined, file: string | undefined, env: NodeJS.ProcessEnv = process.env): RegistryAccess | undefined {
  let props: Map<string, Property>;
  try {
    props = loadProperties(file, 'SCHEMA_REGISTRY', env);
  } catch (err) {
    if (err instanceof KafkaConfigError) throw new RegistryAccessError(err.message);
    throw err;
  }
  for (const [k, p] of props) {
    if (!(REGISTRY_PROPERTIES as readonly string[]).includes(k)) {
      const named = /^[a-z][a-z0-9]*(\.[a-z0-9]+)*$/.test(k) ? `unknown schema registry property '${k}'` : 'not a schema registry property name';
      throw new RegistryAccessError(`${named} (${p.origin}); skyjoin reads ${REGISTRY_PROPERTIES.join(', ')}`);
    }
  }
  const target = url ?? props.get('url')?.value ?? props.get('schema.registry.url')?.value;
  if (!target) {
    if (props.size) throw new RegistryAccessError(`schema registry settings (${[...props.values()][0].origin}) without a URL: give --schema-registry URL`);
    return undefined;
  }
  const source = (props.get('basic.auth.credentials.source')?.value ?? 'USER_INFO').toUpperCase();
  if (source !== 'USER_INFO' && source !== 'URL') throw new RegistryAccessError(`basic.auth.credentials.source must be USER_INFO or URL, got '${props.get('basic.auth.credentials.source')!.value}'`);
  const info = props.get('basic.auth.user.info');
  let user: string | undefined;
  let password: string | undefined;
  if (info && source === 'USER_INFO') {
    const colon = info.value.indexOf(':');
    if (colon <= 0) throw new RegistryAccessError(`basic.auth.user.info (${info.origin}) must be USER:PASSWORD`);
    user = info.value.slice(0, colon);
    password = info.value.slice(colon + 1);
  }
  const tls: TlsFiles = {};
  const ca = props.get('ssl.ca.location');
  const cert = props.get('ssl.certificate.location');
  const key = props.get('ssl.key.location');
  if (ca) tls.ca = readPem(ca, 'ssl.ca.location');
  if (!!cert !== !!key) throw new RegistryAccessError(`a client certificate needs both ssl.certificate.location and ssl.key.location (${(cert ?? key)!.origin} gives one)`);
  if (cert && key) {
    tls.cert = readPem(cert, 'ssl.certificate.location');
    tls.key = readPem(key, 'ssl.key.location');
    const pass = props.get('ssl.key.password');
    if (pass) tls.passphrase = pass.value;
  }
  const algo = props.get('ssl.endpoint.identification.algorithm');
  if (algo && !['https', 'none'].includes(algo.value.toLowerCase())) throw new RegistryAccessError(`ssl.endpoint.identification.algorithm must be https or none, got '${algo.value}'`);
  if (algo?.value.toLowerCase() === 'none') tls.checkServerIdentity = () => undefined;
  const access = new RegistryAccess(target, { user, password, tls, caFile: ca?.value, clientCert: cert?.value });
  if ((ca || cert) && !access.url.startsWith('https:')) throw new RegistryAccessError(`TLS settings (${(ca ?? cert)!.origin}) need an https:// schema registry URL, got ${access.url}`);
  return access;
}

/**
 * One request before a run (GET /subjects): a registry that refuses the
 * credentials, fails TLS or does not answer ends the run at once, instead of
 * every Rubin alert going to the dead-letter stream.
 */
export async function checkRegistry(access: RegistryAccess, timeoutMs = 10_000): Promise<void> {
  let res: { status: number; text: string };
  try {
    res = await access.request('/subjects', { headers: { accept: 'application/vnd.schemaregistry.v1+json, application/json' }, timeoutMs });
  } catch (err) {
    const m = (err as Error).message;
    const tls = /certificate|self[- ]signed|CERT_|altname/i.test(m);
    throw new RegistryAccessError(`schema registry ${access.url} ${tls ? `TLS: the certificate does not verify${access.caFile ? ` against ${access.caFile}` : ''}: ${m}` : `did not answer: ${m}`}`);
  }
  if (res.status === 401 || res.status === 403) {
    throw new RegistryAccessError(`schema registry ${access.url} refused ${access.user !== undefined ? `basic auth as '${access.user}'` : 'the request without credentials (basic.auth.user.info)'}: HTTP ${res.status}`);
  }
  if (res.status < 200 || res.status > 299) throw new RegistryAccessError(`schema registry ${access.url} answered HTTP ${res.status} to GET /subjects`);
}
