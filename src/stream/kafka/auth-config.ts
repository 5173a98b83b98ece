// How skyjoin logs in to a Kafka cluster: librdkafka-style properties
// (`--kafka-config FILE`, SKYJOIN_KAFKA_* over them) mapped to kafkajs' ssl
// and sasl options. Every Kafka client skyjoin makes (stream source and sink,
// the night conductor, replay, instance admin) takes its options from here.
//
// The result holds secrets (password, key, token source). They stay inside:
// JSON.stringify, util.inspect and describe() show the protocol, mechanism,
// user and file names only.

import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { inspect } from 'node:util';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { KafkaConfigError, loadProperties, type Property } from './properties.js';

export { KafkaConfigError };

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** The properties understood; anything else is refused (a typo must not silently mean "no TLS"). */
export const KAFKA_PROPERTIES = [
  'security.protocol', 'sasl.mechanism', 'sasl.mechanisms', 'sasl.username', 'sasl.password',
  'sasl.oauthbearer.token.file', 'sasl.oauthbearer.token.command',
  'ssl.ca.location', 'ssl.certificate.location', 'ssl.key.location', 'ssl.key.password',
  'ssl.endpoint.identification.algorithm', 'socket.connection.setup.timeout.ms',
] as const;

/** SKYJOIN_KAFKA_* variables that are not properties. */
const NOT_PROPERTIES = ['SKYJOIN_KAFKA_LOG'];

/** Where system CA bundles live (librdkafka's `ssl.ca.location=probe` looks in the same places). */
const CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/ca-bundle.pem', '/etc/ssl/cert.pem', '/usr/local/etc/openssl/cert.pem'];

/** Default for the first connection, login and metadata answer (socket.connection.setup.timeout.ms). */
export const DEFAULT_SETUP_TIMEOUT_MS = 10_000;
/** How long a token command may run. */
const TOKEN_COMMAND_TIMEOUT_MS = 10_000;

export class KafkaAuth {
  readonly #ssl: ConnectionOptions | undefined;
  readonly #sasl: SASLOptions | undefined;

  constructor(
    readonly protocol: SecurityProtocol,
    o: { ssl?: ConnectionOptions; sasl?: SASLOptions; mechanism?: SaslMechanism; username?: string; ca?: string; clientCert?: string; hostnameCheck?: boolean; setupTimeoutMs?: number } = {},
  ) {
    this.#ssl = o.ssl;
    this.#sasl = o.sasl;
    this.mechanism = o.mechanism;
    this.username = o.username;
    this.ca = o.ca;
    this.clientCert = o.clientCert;
    this.hostnameCheck = o.hostnameCheck ?? true;
    this.setupTimeoutMs = o.setupTimeoutMs ?? DEFAULT_SETUP_TIMEOUT_MS;
  }

  readonly mechanism: SaslMechanism | undefined;
  readonly username: string | undefined;
  /** The CA file, or undefined for Node's root certificates. */
  readonly ca: string | undefined;
  readonly clientCert: string | undefined;
  readonly hostnameCheck: boolean;
  /** Bound on connecting, logging in and the first metadata answer. */
  readonly setupTimeoutMs: number;

  get tls(): boolean {
    return this.protocol === 'SSL' || this.protocol === 'SASL_SSL';
  }

  /**
   * The options to spread into a kafkajs `new Kafka({...})` after the
   * client's own: ssl, sasl, and time limits fit for a TLS login.
   */
  kafkajs(): Pick<KafkaConfig, 'ssl' | 'sasl' | 'authenticationTimeout' | 'connectionTimeout'> {
    if (this.protocol === 'PLAINTEXT') return {};
    return {
      ...(this.#ssl ? { ssl: this.#ssl, connectionTimeout: Math.min(this.setupTimeoutMs, 10_000) } : {}),
      ...(this.#sasl ? { sasl: this.#sasl, authenticationTimeout: this.setupTimeoutMs } : {}),
    };
  }

  /** One line for logs and reports: no secret. */
  describe(): string {
    const parts: string[] = [this.protocol];
    if (this.mechanism) parts.push(`${this.mechanism}${this.username !== undefined ? ` as '${this.username}'` : ''}`);
    if (this.tls) {
      parts.push(this.ca ? `CA ${this.ca}` : 'Node\'s root CAs');
      if (this.clientCert) parts.push(`client certificate ${this.clientCert}`);
      if (!this.hostnameCheck) parts.push('hostname not checked');
    }
    return parts.join(', ');
  }

  toJSON(): string {
    return this.describe();
  }

  [inspect.custom](): string {
    return `KafkaAuth(${this.describe()})`;
  }
}

/** No TLS, no SASL: what skyjoin did before, and what a test broker on loopback needs. */
export const PLAINTEXT = new KafkaAuth('PLAINTEXT');

function readPem(p: Property, what: string): Buffer {
  if (!existsSync(p.value)) throw new KafkaConfigError(`${what} ${p.value} (${p.origin}): no such file`);
  if (statSync(p.value).isDirectory()) throw new KafkaConfigError(`${what} ${p.value} (${p.origin}) is a folder: give a PEM file`);
  const b = readFileSync(p.value);
  if (!b.includes('-----BEGIN ')) throw new KafkaConfigError(`${what} ${p.value} (${p.origin}) is not PEM (no -----BEGIN line)`);
  return b;
}

/** A token provider for OAUTHBEARER: the file is read, or the command run, at each login (tokens expire). */
function tokenProvider(file: Property | undefined, command: Property | undefined): () => Promise<{ value: string }> {
  if (file) {
    return async () => {
      let t: string;
      try {
        t = readFileSync(file.value, 'utf8').trim();
      } catch (err) {
        throw new KafkaConfigError(`cannot read the OAUTHBEARER token file ${file.value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      if (!t) throw new KafkaConfigError(`the OAUTHBEARER token file ${file.value} is empty`);
      return { value: t };
    };
  }
  const cmd = command!.value;
  return () => new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', cmd], { timeout: TOKEN_COMMAND_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      // The command is not quoted back (it may hold a secret on its command line); its stderr's first line is.
      const why = String(stderr).split('\n')[0].slice(0, 160);
      if (err) return reject(new KafkaConfigError(`the OAUTHBEARER token command (${command!.origin}) failed: ${err.killed ? `no token within ${TOKEN_COMMAND_TIMEOUT_MS / 1000} s` : `exit status ${err.code}`}${why ? `: ${why}` : ''}`));
      const t = String(stdout).trim();
      if (!t) return reject(new KafkaConfigError(`the OAUTHBEARER token command (${command!.origin}) printed no token`));
      resolve({ value: t });
    });
  });
}

function oneOf<T extends string>(p: Property, allowed: readonly T[], name: string, extra = ''): T {
  const v = p.value.toUpperCase() as T;
  if (!allowed.includes(v)) throw new KafkaConfigError(`${name} '${p.value}' (${p.origin}) is not supported${extra}: use ${allowed.join(', ')}`);
  return v;
}

/** Maps properties to a KafkaAuth; every mistake is one line naming the property and where it was set. */
export function kafkaAuthFromProperties(props: Map<string, Property>): KafkaAuth {
  for (const [k, p] of props) {
    if (!(KAFKA_PROPERTIES as readonly string[]).includes(k)) {
      // A name that is no property name may be a secret's first half (a password line with '=' in it): not quoted.
      const named = /^[a-z][a-z0-9]*(\.[a-z0-9]+)+$/.test(k) ? `unknown Kafka property '${k}'` : 'not a Kafka property name';
      throw new KafkaConfigError(`${named} (${p.origin}); skyjoin reads ${KAFKA_PROPERTIES.join(', ')}`);
    }
  }
  const get = (k: (typeof KAFKA_PROPERTIES)[number]) => props.get(k);
  const protoP = get('security.protocol');
  const protocol = protoP ? oneOf(protoP, SECURITY_PROTOCOLS, 'security.protocol') : 'PLAINTEXT';
  const sasl = protocol.startsWith('SASL_');
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const mechP = get('sasl.mechanism') ?? get('sasl.mechanisms');
  const setupP = get('socket.connection.setup.timeout.ms');
  let setupTimeoutMs = DEFAULT_SETUP_TIMEOUT_MS;
  if (setupP) {
    setupTimeoutMs = Number(setupP.value);
    if (!Number.isInteger(setupTimeoutMs) || setupTimeoutMs < 100 || setupTimeoutMs > 300_000) {
      throw new KafkaConfigError(`socket.connection.setup.timeout.ms must be an integer from 100 to 300000, got '${setupP.value}' (${setupP.origin})`);
    }
  }
  for (const k of KAFKA_PROPERTIES) {
    const p = get(k);
    if (!p) continue;
    if (k.startsWith('sasl.') && !sasl) throw new KafkaConfigError(`${k} (${p.origin}) needs security.protocol SASL_SSL or SASL_PLAINTEXT, not ${protocol}`);
    if (k.startsWith('ssl.') && !tls) throw new KafkaConfigError(`${k} (${p.origin}) needs security.protocol SSL or SASL_SSL, not ${protocol}`);
  }

  let ssl: ConnectionOptions | undefined;
  let ca: string | undefined;
  let clientCert: string | undefined;
  let hostnameCheck = true;
  if (tls) {
    ssl = {};
    const caP = get('ssl.ca.location');
    if (caP?.value === 'probe') {
      ca = CA_BUNDLES.find((f) => existsSync(f));
      if (!ca) throw new KafkaConfigError(`ssl.ca.location=probe (${caP.origin}): no system CA bundle in ${CA_BUNDLES.join(', ')}`);
      ssl.ca = readPem({ value: ca, origin: caP.origin }, 'system CA bundle');
    } else if (caP) {
      ssl.ca = readPem(caP, 'ssl.ca.location');
      ca = caP.value;
    }
    const certP = get('ssl.certificate.location');
    const keyP = get('ssl.key.location');
    if (!!certP !== !!keyP) throw new KafkaConfigError(`a client certificate needs both ssl.certificate.location and ssl.key.location (${(certP ?? keyP)!.origin} gives one)`);
    if (certP && keyP) {
      ssl.cert = readPem(certP, 'ssl.certificate.location');
      ssl.key = readPem(keyP, 'ssl.key.location');
      clientCert = certP.value;
      const pass = get('ssl.key.password');
      if (pass) ssl.passphrase = pass.value;
    } else if (get('ssl.key.password')) {
      throw new KafkaConfigError(`ssl.key.password (${get('ssl.key.password')!.origin}) is given without ssl.key.location`);
    }
    const algo = get('ssl.endpoint.identification.algorithm');
    if (algo) {
      const a = algo.value.toLowerCase();
      if (a !== 'https' && a !== 'none') throw new KafkaConfigError(`ssl.endpoint.identification.algorithm must be https or none, got '${algo.value}' (${algo.origin})`);
      // librdkafka's 'none' turns off the hostname check only; the chain is still verified.
      if (a === 'none') { hostnameCheck = false; ssl.checkServerIdentity = () => undefined; }
    }
  }

  if (!sasl) return new KafkaAuth(protocol, { ssl, ca, clientCert, hostnameCheck, setupTimeoutMs });
  if (!mechP) throw new KafkaConfigError(`security.protocol ${protocol} needs sasl.mechanism (${SASL_MECHANISMS.join(', ')})`);
  const gssapi = mechP.value.toUpperCase() === 'GSSAPI' ? ' (Kerberos/GSSAPI is not: kafkajs has no GSSAPI client)' : '';
  const mechanism = oneOf(mechP, SASL_MECHANISMS, 'sasl.mechanism', gssapi);
  let saslOpts: SASLOptions;
  let username: string | undefined;
  if (mechanism === 'OAUTHBEARER') {
    const file = get('sasl.oauthbearer.token.file');
    const command = get('sasl.oauthbearer.token.command');
    if (!file === !command) throw new KafkaConfigError('sasl.mechanism OAUTHBEARER needs exactly one of sasl.oauthbearer.token.file and sasl.oauthbearer.token.command');
    for (const k of ['sasl.username', 'sasl.password'] as const) if (get(k)) throw new KafkaConfigError(`${k} (${get(k)!.origin}) is not used with OAUTHBEARER: the token is the credential`);
    saslOpts = { mechanism: 'oauthbearer', oauthBearerProvider: tokenProvider(file, command) };
  } else {
    const user = get('sasl.username');
    const pass = get('sasl.password');
    if (!user || !pass) throw new KafkaConfigError(`sasl.mechanism ${mechanism} needs sasl.username and sasl.password${user ? ' (no sasl.password: set it in the file or $SKYJOIN_KAFKA_SASL_PASSWORD)' : ''}`);
    for (const k of ['sasl.oauthbearer.token.file', 'sasl.oauthbearer.token.command'] as const) if (get(k)) throw new KafkaConfigError(`${k} (${get(k)!.origin}) is only for OAUTHBEARER, not ${mechanism}`);
    username = user.value;
    const lower = mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
    saslOpts = { mechanism: lower, username: user.value, password: pass.value } as SASLOptions;
  }
  return new KafkaAuth(protocol, { ssl, sasl: saslOpts, mechanism, username, ca, clientCert, hostnameCheck, setupTimeoutMs });
}

/**
 * `--kafka-config FILE` (optional) with SKYJOIN_KAFKA_* over it. Neither given:
 * PLAINTEXT, as before.
 */
export function loadKafkaAuth(file: string | undefined, env: NodeJS.ProcessEnv = process.env): KafkaAuth {
  return kafkaAuthFromProperties(loadProperties(file, 'KAFKA', env, NOT_PROPERTIES));
}
