// --kafka-config and --schema-registry-config: librdkafka-style properties,
// SKYJOIN_* variables over them, every mistake one line naming the property,
// and no secret in what a log, a report or an error could show.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKafkaAuth } from '../../src/stream/kafka/auth-config.js';
import { loadRegistryAccess, redactUrl } from '../../src/stream/kafka/registry-access.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { tempDir } from '../support/tmp.js';

const tmp = tempDir();
let certs: TestCerts;
const SECRET = 'Xy9=pa#ss w0rd';

function props(name: string, lines: string[]): string {
  const f = path.join(tmp.dir, name);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

beforeAll(() => {
  certs = makeTestCerts(tmp.dir);
});
afterAll(() => tmp.cleanup());

describe('--kafka-config', () => {
  it('maps SASL_SSL + SCRAM to kafkajs options; SKYJOIN_KAFKA_* override the file; secrets stay inside', async () => {
    const f = props('scram.properties', [
      '# Rubin', 'security.protocol=SASL_SSL', 'sasl.mechanism = SCRAM-SHA-512', 'sasl.username=alice', `sasl.password=${SECRET}`,
      `ssl.ca.location=${certs.caFile}`, `ssl.certificate.location=${certs.clientCertFile}`, `ssl.key.location=${certs.clientKeyFile}`,
    ]);
    const auth = loadKafkaAuth(f, {});
    const o = auth.kafkajs();
    expect(o.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'alice', password: SECRET });
    expect(o.ssl).toMatchObject({ ca: certs.ca });
    expect(Buffer.isBuffer((o.ssl as { cert: Buffer }).cert)).toBe(true);
    expect(auth.describe()).toBe(`SASL_SSL, SCRAM-SHA-512 as 'alice', CA ${certs.caFile}, client certificate ${certs.clientCertFile}`);
    for (const shown of [auth.describe(), JSON.stringify({ auth }), inspect(auth), inspect({ auth }, { depth: 5 })]) expect(shown).not.toContain(SECRET);
    // The environment wins over the file, and can hold the password alone.
    const env = loadKafkaAuth(f, { SKYJOIN_KAFKA_SASL_PASSWORD: 'from-env', SKYJOIN_KAFKA_SASL_USERNAME: 'bob', SKYJOIN_KAFKA_LOG: '1' });
    expect(env.kafkajs().sasl).toEqual({ mechanism: 'scram-sha-512', username: 'bob', password: 'from-env' });
    const noFile = loadKafkaAuth(undefined, { SKYJOIN_KAFKA_SECURITY_PROTOCOL: 'ssl', SKYJOIN_KAFKA_SSL_CA_LOCATION: certs.caFile });
    expect(noFile.describe()).toBe(`SSL, CA ${certs.caFile}`);
    expect(noFile.kafkajs().sasl).toBeUndefined();
    expect(loadKafkaAuth(undefined, {}).kafkajs()).toEqual({});
    // ssl.endpoint.identification.algorithm=none: chain still checked, host name not.
    const none = loadKafkaAuth(undefined, { SKYJOIN_KAFKA_SECURITY_PROTOCOL: 'SSL', SKYJOIN_KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: 'none' });
    expect(none.describe()).toBe('SSL, Node\'s root CAs, hostname not checked');
  });

  it('OAUTHBEARER reads its token from a file or a command at each login', async () => {
    const token = path.join(tmp.dir, 'token');
    writeFileSync(token, 'tok-123\n');
    const file = loadKafkaAuth(undefined, { SKYJOIN_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', SKYJOIN_KAFKA_SASL_MECHANISM: 'OAUTHBEARER', SKYJOIN_KAFKA_SASL_OAUTHBEARER_TOKEN_FILE: token });
    const provider = (file.kafkajs().sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider;
    expect(await provider()).toEqual({ value: 'tok-123' });
    writeFileSync(token, 'tok-456\n');
    expect(await provider()).toEqual({ value: 'tok-456' });
    const cmd = loadKafkaAuth(undefined, { SKYJOIN_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', SKYJOIN_KAFKA_SASL_MECHANISM: 'OAUTHBEARER', SKYJOIN_KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND: `cat ${token}` });
    expect(await (cmd.kafkajs().sasl as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider()).toEqual({ value: 'tok-456' });
    const failing = loadKafkaAuth(undefined, { SKYJOIN_KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', SKYJOIN_KAFKA_SASL_MECHANISM: 'OAUTHBEARER', SKYJOIN_KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND: 'echo no token here >&2; exit 3' });
    await expect((failing.kafkajs().sasl as { oauthBearerProvider: () => Promise<unknown> }).oauthBearerProvider()).rejects.toThrow(/token command \(\$SKYJOIN_KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND\) failed: exit status 3: no token here/);
  });

  it('refuses every mistake with one line naming the property and where it was set', () => {
    const bad: Array<[string[], Record<string, string>, RegExp]> = [
      [['security.protocol=SASL_SSL', 'sasl.mechanism=GSSAPI'], {}, /sasl.mechanism 'GSSAPI' \(.*:2\) is not supported \(Kerberos\/GSSAPI is not: kafkajs has no GSSAPI client\): use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER/],
      [['security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-1'], {}, /sasl.mechanism 'SCRAM-SHA-1' .* is not supported: use PLAIN/],
      [['security.protocol=TLS'], {}, /security.protocol 'TLS' \(.*:1\) is not supported: use PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/],
      [['security.protocol=SASL_SSL', 'sasl.mechanism=PLAIN', 'sasl.username=a'], {}, /needs sasl.username and sasl.password \(no sasl.password: set it in the file or \$SKYJOIN_KAFKA_SASL_PASSWORD\)/],
      [['security.protocol=SSL', 'sasl.username=a'], {}, /sasl.username \(.*:2\) needs security.protocol SASL_SSL or SASL_PLAINTEXT, not SSL/],
      [['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=PLAIN', 'ssl.ca.location=/x'], {}, /ssl.ca.location \(.*:3\) needs security.protocol SSL or SASL_SSL/],
      [['security.protocol=SSL', 'ssl.ca.location=/no/such.pem'], {}, /ssl.ca.location \/no\/such.pem \(.*:2\): no such file/],
      [['security.protocol=SSL', 'sasl.pasword=x'], {}, /unknown Kafka property 'sasl.pasword' \(.*:2\)/],
      [['security.protocol=SSL'], { SKYJOIN_KAFKA_SSL_CA_LOCATON: '/x' }, /unknown Kafka property 'ssl.ca.locaton' \(\$SKYJOIN_KAFKA_SSL_CA_LOCATON\)/],
      [['security.protocol=SSL', 'security.protocol=SSL'], {}, /:2: 'security.protocol' is given twice \(first at .*:1\)/],
      [[`just-a-secret-${SECRET}`], {}, /^not a Kafka property name \(.*:1\)/],
      [['a secret without equals'], {}, /:1: expected key=value$/],
      [['security.protocol=SASL_SSL', 'sasl.mechanism=OAUTHBEARER'], {}, /OAUTHBEARER needs exactly one of sasl.oauthbearer.token.file and sasl.oauthbearer.token.command/],
      [['socket.connection.setup.timeout.ms=5'], {}, /socket.connection.setup.timeout.ms must be an integer from 100 to 300000, got '5'/],
    ];
    bad.forEach(([lines, env, re], i) => {
      const f = props(`bad-${i}.properties`, lines);
      let msg = '';
      try {
        loadKafkaAuth(f, env);
      } catch (err) {
        expect((err as Error).name).toBe('KafkaConfigError');
        msg = (err as Error).message;
      }
      expect(msg, lines.join(' | ')).toMatch(re);
      expect(msg).not.toContain('\n');
      expect(msg).not.toContain(SECRET);
    });
    const notPem = props('not.pem', ['hello']);
    expect(() => loadKafkaAuth(undefined, { SKYJOIN_KAFKA_SECURITY_PROTOCOL: 'SSL', SKYJOIN_KAFKA_SSL_CA_LOCATION: notPem })).toThrow(/is not PEM/);
  });
});

describe('--schema-registry-config', () => {
  it('basic auth and a CA; the password never in the URL shown', () => {
    const f = props('registry.properties', ['basic.auth.credentials.source=USER_INFO', `basic.auth.user.info=reg:${SECRET}`, `ssl.ca.location=${certs.caFile}`]);
    const a = loadRegistryAccess('https://127.0.0.1:8081/', f, {})!;
    expect(a.url).toBe('https://127.0.0.1:8081');
    expect(a.describe()).toBe(`https://127.0.0.1:8081, basic auth as 'reg', CA ${certs.caFile}`);
    for (const shown of [a.describe(), JSON.stringify({ a }), inspect(a, { depth: 5 })]) expect(shown).not.toContain(SECRET);
    // Credentials in the URL (basic.auth.credentials.source=URL) are taken out of it.
    const inUrl = loadRegistryAccess(`https://reg:${encodeURIComponent(SECRET)}@127.0.0.1:8081`, undefined, {})!;
    expect(inUrl.url).toBe('https://127.0.0.1:8081');
    expect(inUrl.user).toBe('reg');
    expect(redactUrl('https://reg:pw@h:1/x')).toBe('https://***@h:1/x');
    expect(loadRegistryAccess(undefined, undefined, {})).toBeUndefined();
    expect(loadRegistryAccess(undefined, undefined, { SKYJOIN_SCHEMA_REGISTRY_URL: 'http://h:1' })!.url).toBe('http://h:1');
    expect(() => loadRegistryAccess('http://h:1', f, {})).toThrow(/TLS settings .* need an https:\/\/ schema registry URL/);
    expect(() => loadRegistryAccess(undefined, f, {})).toThrow(/without a URL: give --schema-registry URL/);
    expect(() => loadRegistryAccess('http://h:1', undefined, { SKYJOIN_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO: 'nocolon' })).toThrow(/must be USER:PASSWORD/);
    expect(() => loadRegistryAccess('ftp://h', undefined, {})).toThrow(/http\(s\):\/\/HOST:PORT/);
  });
});
