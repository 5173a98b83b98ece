// Before a run: one bounded attempt to connect, log in and read metadata, so
// a wrong password, an unknown mechanism, a CA that does not verify or a
// broker that does not answer ends the run within seconds with one line
// naming the cause, instead of a consumer retrying with backoff that looks
// like progress. During a run, kafkaFailure() tells the errors that no retry
// can fix (login refused, certificate not trusted) from passing outages.

import { Kafka, logLevel } from 'kafkajs';
import type { KafkaAuth } from './auth-config.js';
import { KafkaConfigError } from './properties.js';

export class KafkaConnectError extends Error {
  override name = 'KafkaConnectError';
}

/** Node's codes for a peer certificate that does not verify (chain, expiry, name). */
const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH', 'INVALID_CA',
]);

type Chained = Error & { cause?: unknown; originalError?: unknown; code?: string; broker?: string; type?: string };

/** The error and what it wraps (kafkajs nests the socket error in retries and connection errors). */
function chain(err: unknown): Chained[] {
  const out: Chained[] = [];
  let e = err as Chained | undefined;
  while (e && typeof e === 'object' && out.length < 8 && !out.includes(e)) {
    out.push(e);
    e = (e.cause ?? e.originalError) as Chained | undefined;
  }
  return out;
}

/** kafkajs' prefix and OpenSSL's error-stack framing taken off ("...:SSL routines:fn:REASON:file:line:..." -> REASON). */
function cleanMessage(m: string): string {
  return m.replace(/^Connection error: /, '').replace(/^[0-9A-F]+:error:[0-9A-F]+:[^:]+:[^:]+:([^:]+):.*$/s, '$1').trim();
}

/**
 * What went wrong, as one line (no secret: kafkajs' messages carry the user
 * name at most), and whether retrying can help.
 */
export function kafkaFailure(err: unknown, brokers: readonly string[], auth: KafkaAuth): { line: string; fatal: boolean } {
  const errs = chain(err);
  const where = errs.find((e) => e.broker)?.broker ?? brokers.join(',');
  const config = errs.find((e) => e instanceof KafkaConfigError);
  if (config) return { line: config.message, fatal: true };
  const sasl = errs.find((e) => e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED' || e.type === 'UNSUPPORTED_SASL_MECHANISM');
  if (sasl) {
    if (sasl.type === 'UNSUPPORTED_SASL_MECHANISM' || /mechanism is not supported by the server/.test(sasl.message)) {
      return { line: `Kafka at ${where} does not offer SASL mechanism ${auth.mechanism} (sasl.mechanism)`, fatal: true };
    }
    return { line: `Kafka at ${where} refused the login (${auth.mechanism}${auth.username !== undefined ? ` as '${auth.username}'` : ''}): ${sasl.message}`, fatal: true };
  }
  const cert = errs.find((e) => e.code && CERT_CODES.has(e.code));
  if (cert) {
    const against = auth.ca ? `the CA in ${auth.ca} (ssl.ca.location)` : 'Node\'s root CAs (set ssl.ca.location)';
    const what = cert.code === 'ERR_TLS_CERT_ALTNAME_INVALID' || cert.code === 'HOSTNAME_MISMATCH'
      ? 'does not name that host' : `does not verify against ${against}`;
    return { line: `TLS: the certificate of Kafka at ${where} ${what}: ${cleanMessage(cert.message)}`, fatal: true };
  }
  const code = errs.find((e) => e.code)?.code;
  const msg = cleanMessage((errs.at(-1) ?? (err as Error)).message ?? String(err));
  // The broker's TLS alert when it wants a client certificate (TLS 1.3: after the handshake) or refuses ours.
  if (/CERTIFICATE_REQUIRED|certificate required|alert bad certificate|BAD_CERTIFICATE|unknown ca/i.test(`${code} ${msg}`)) {
    return {
      line: auth.clientCert
        ? `Kafka at ${where} refused the client certificate ${auth.clientCert}: ${msg}`
        : `Kafka at ${where} asks for a client certificate (ssl.certificate.location, ssl.key.location): ${msg}`,
      fatal: true,
    };
  }
  if (code === 'ECONNREFUSED') return { line: `Kafka at ${where} refused the connection (is the broker up, and is this its port?)`, fatal: false };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { line: `Kafka at ${where}: no such host`, fatal: false };
  if (/EPROTO|wrong version number|packet length too long|ECONNRESET/i.test(`${code} ${msg}`) && auth.tls) {
    return { line: `TLS with Kafka at ${where} failed (${msg}): does the listener speak TLS? (security.protocol is ${auth.protocol})`, fatal: false };
  }
  if (/Connection timeout|Request .* timed out|closed/i.test(msg)) {
    const hint = auth.tls ? '' : ' (a TLS listener? security.protocol is PLAINTEXT)';
    return { line: `Kafka at ${where} did not answer: ${msg}${hint}`, fatal: false };
  }
  return { line: `Kafka at ${where}: ${msg}`, fatal: false };
}

/** Whether a consumer or producer crash is one that no restart can fix. */
export function isFatalKafkaError(err: unknown, auth: KafkaAuth): boolean {
  return kafkaFailure(err, [], auth).fatal;
}

/**
 * Connects once (no retries), logs in, reads the cluster's metadata; throws a
 * KafkaConnectError with the cause, or one naming the time limit
 * (auth.setupTimeoutMs, `socket.connection.setup.timeout.ms`) when the
 * cluster does not answer. Returns the cluster's topic names.
 */
export async function checkKafka(brokers: readonly string[], auth: KafkaAuth, clientId = 'skyjoin-check'): Promise<string[]> {
  const limit = auth.setupTimeoutMs;
  const kafka = new Kafka({
    clientId, brokers: [...brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 },
    connectionTimeout: Math.min(limit, 5000), requestTimeout: limit, authenticationTimeout: limit, ...auth.kafkajs(),
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaConnectError(`Kafka at ${brokers.join(',')} did not answer within ${limit / 1000} s (connect, ${auth.protocol} login, metadata; socket.connection.setup.timeout.ms)`)), limit);
  });
  try {
    return await Promise.race([(async () => { await admin.connect(); return admin.listTopics(); })(), timeout]);
  } catch (err) {
    if (err instanceof KafkaConnectError) throw err;
    throw new KafkaConnectError(kafkaFailure(err, brokers, auth).line);
  } finally {
    clearTimeout(timer);
    // Not awaited: a broker that never answered must not hold the error back.
    void admin.disconnect().catch(() => undefined);
  }
}
