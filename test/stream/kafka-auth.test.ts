// Real handshakes: skyjoin's Kafka clients against the librdkafka mock behind
// a TLS + SASL front (test/support/kafka-auth-proxy.ts: node:tls, a real
// SCRAM server side) and a schema registry over HTTPS with basic auth, with
// certificates made by openssl here. The right CA and password consume a
// night of real ZTF and Rubin alerts; a wrong CA, a wrong password, a
// mechanism the broker does not offer, a missing client certificate and a
// broker that does not answer each end the run with one line. Afterwards no
// secret is found in anything the runs wrote.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDecoder } from '../../src/stream/decoding/decoder.js';
import { loadKafkaAuth } from '../../src/stream/kafka/auth-config.js';
import { fileSourceFiles } from '../../src/stream/sources/file.js';
import { makeTestCerts, type TestCerts } from '../support/certs.js';
import { runCli } from '../support/cli.js';
import { startKafkaAuthProxy, type KafkaAuthProxy } from '../support/kafka-auth-proxy.js';
import { startKafkaMock, type KafkaMock } from '../support/kafka-mock.js';
import { LSST_SCHEMAS, LSST_VERSIONS, realRubinRecords, registrySchemaText, schemaIdOf, wireMessage } from '../support/lsst-wire.js';
import { startTestRegistry, type TestRegistry } from '../support/schema-registry.js';
import { tempDir } from '../support/tmp.js';
import { SHARED_DATA } from '../support/vectors.js';

const PASSWORD = 'N1ght-Pa55=w#rd';
const TOKEN = 'oauth-T0ken-7f3a9c';
const REGISTRY_PASSWORD = 'Reg1stry-S3cret';
const SECRETS = [PASSWORD, TOKEN, REGISTRY_PASSWORD];
const ZTF_NIGHT = path.join(SHARED_DATA, 'ztf', 'alerts', 'ampel_20180819_mod1000_v3.0');
const ZTF_TOPIC = 'ztf_20180819_programid1';
const RUBIN_TOPIC = 'lsst-alerts';

const tmp = tempDir();
let certs: TestCerts;
let mock: KafkaMock;
let proxy: KafkaAuthProxy;
let registry: TestRegistry;
/** Everything the CLI printed in this file's runs, for the secret search. */
const printed: string[] = [];

function props(name: string, lines: string[]): string {
  const f = path.join(tmp.dir, name);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
}

const tlsLines = (ca = certs.caFile) => [`ssl.ca.location=${ca}`, `ssl.certificate.location=${certs.clientCertFile}`, `ssl.key.location=${certs.clientKeyFile}`];
const scram = (password = PASSWORD, ca?: string) => props(`scram-${password.length}-${ca ? 'x' : 'ok'}.properties`, [
  'security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512', 'sasl.username=alice', `sasl.password=${password}`, ...tlsLines(ca),
]);

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const r = await runCli(argv);
    printed.push(r.stdout, r.stderr);
    return r;
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** The one line of a failed run: nothing else on stderr, nothing on stdout. */
function oneLine(r: { code: number; stdout: string; stderr: string }): string {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0];
}

beforeAll(async () => {
  certs = makeTestCerts(tmp.dir);
  mock = await startKafkaMock({ brokers: 2, topics: { [ZTF_TOPIC]: 4, [RUBIN_TOPIC]: 4 } });
  proxy = await startKafkaAuthProxy({
    upstream: mock.bootstrap,
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca },
    sasl: { mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN', 'OAUTHBEARER'], users: { alice: PASSWORD }, token: TOKEN },
  });
  registry = await startTestRegistry({
    tls: { key: certs.serverKey, cert: certs.serverCert }, basicAuth: { user: 'reg', password: REGISTRY_PASSWORD },
    schemas: Object.fromEntries(LSST_VERSIONS.map((v) => [schemaIdOf(v), registrySchemaText(v)])),
  });
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  await proxy?.stop();
  await mock?.stop();
  tmp.cleanup();
});

describe('failures end the run at once with one line', () => {
  it('a CA that does not verify the broker', async () => {
    const handshakes = proxy.events.filter((e) => e.kind === 'tls').length;
    const r = await cli(['stream', '--from', `kafka://${proxy.bootstrap[0]}/${ZTF_TOPIC}`, '--group', 'g', '--data', path.join(tmp.dir, 'x'), '--kafka-config', scram(PASSWORD, certs.wrongCaFile)]);
    expect(oneLine(r)).toMatch(new RegExp(`^skyjoin stream: TLS: the certificate of Kafka at 127\\.0\\.0\\.1:\\d+ does not verify against the CA in ${certs.wrongCaFile} \\(ssl.ca.location\\): `));
    // The client refused the broker's certificate: no handshake completed at the proxy.
    expect(proxy.events.filter((e) => e.kind === 'tls').length).toBe(handshakes);
  });

  it('a wrong SCRAM password ($SKYJOIN_KAFKA_SASL_PASSWORD over the file)', async () => {
    const before = proxy.events.filter((e) => e.kind === 'login-failed').length;
    const r = await cli(['stream', '--from', `kafka://${proxy.bootstrap[0]}/${ZTF_TOPIC}`, '--group', 'g', '--data', path.join(tmp.dir, 'x'), '--kafka-config', scram()],
      { SKYJOIN_KAFKA_SASL_PASSWORD: 'not-the-password' });
    expect(oneLine(r)).toMatch(/^skyjoin stream: Kafka at 127\.0\.0\.1:\d+ refused the login \(SCRAM-SHA-512 as 'alice'\): SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512$/);
    // The proxy saw a full SCRAM exchange fail at the proof, after the TLS handshake.
    expect(proxy.events.filter((e) => e.kind === 'login-failed').length).toBe(before + 1);
  });

  it('a mechanism skyjoin does not speak, one the broker does not offer, no client certificate', async () => {
    const gssapi = props('gssapi.properties', ['security.protocol=SASL_SSL', 'sasl.mechanism=GSSAPI']);
    const r1 = await cli(['stream', '--from', `kafka://${proxy.bootstrap[0]}/${ZTF_TOPIC}`, '--group', 'g', '--data', path.join(tmp.dir, 'x'), '--kafka-config', gssapi]);
    expect(oneLine(r1)).toMatch(/^skyjoin stream: sasl.mechanism 'GSSAPI' \(.*gssapi.properties:2\) is not supported \(Kerberos\/GSSAPI is not/);
    const plainOnly = await startKafkaAuthProxy({ upstream: mock.bootstrap, tls: { key: certs.serverKey, cert: certs.serverCert }, sasl: { mechanisms: ['PLAIN'], users: { alice: PASSWORD } } });
    try {
      const r2 = await cli(['replay', '--from', ZTF_NIGHT, '--to', `kafka://${plainOnly.bootstrap[0]}/${ZTF_TOPIC}`, '--kafka-config', scram()]);
      expect(oneLine(r2)).toMatch(/^skyjoin replay: Kafka at 127\.0\.0\.1:\d+ does not offer SASL mechanism SCRAM-SHA-512 \(sasl.mechanism\)$/);
    } finally {
      await plainOnly.stop();
    }
    const noCert = props('nocert.properties', ['security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512', 'sasl.username=alice', `sasl.password=${PASSWORD}`, `ssl.ca.location=${certs.caFile}`]);
    const r3 = await cli(['replay', '--from', ZTF_NIGHT, '--to', `kafka://${proxy.bootstrap[0]}/${ZTF_TOPIC}`, '--kafka-config', noCert]);
    expect(oneLine(r3)).toMatch(/^skyjoin replay: Kafka at 127\.0\.0\.1:\d+ asks for a client certificate \(ssl.certificate.location, ssl.key.location\)/);
  });

  it('a broker that accepts the connection and never answers', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const f = props('silent.properties', ['security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512', 'sasl.username=alice', `sasl.password=${PASSWORD}`, `ssl.ca.location=${certs.caFile}`, 'socket.connection.setup.timeout.ms=1500']);
      const r = await cli(['stream', '--from', `kafka://127.0.0.1:${port}/t`, '--group', 'g', '--data', path.join(tmp.dir, 'x'), '--kafka-config', f]);
      expect(oneLine(r)).toMatch(/^skyjoin stream: Kafka at 127\.0\.0\.1:\d+ did not answer/);
    } finally {
      silent.close();
    }
  });

  it('a schema registry that refuses the password', async () => {
    const reg = props('bad-registry.properties', ['basic.auth.user.info=reg:wrong', `ssl.ca.location=${certs.caFile}`]);
    const r = await cli(['stream', '--from', `kafka://${proxy.bootstrap[0]}/${RUBIN_TOPIC}`, '--group', 'g', '--data', path.join(tmp.dir, 'x'), '--kafka-config', scram(),
      '--schema-registry', registry.url, '--schema-registry-config', reg]);
    expect(oneLine(r)).toBe(`skyjoin stream: schema registry ${registry.url} refused basic auth as 'reg': HTTP 401`);
  });
});

describe('a night of real ZTF and Rubin alerts over TLS + SCRAM-SHA-512', () => {
  it('is consumed, every alert stored once, and no secret is left in any output', async () => {
    const data = path.join(tmp.dir, 'data');
    // ZTF: one real night (30 alerts of 2018-08-19), replayed with an OAUTHBEARER token from a file.
    writeFileSync(path.join(tmp.dir, 'token'), `${TOKEN}\n`);
    const oauth = props('oauth.properties', ['security.protocol=SASL_SSL', 'sasl.mechanism=OAUTHBEARER', `sasl.oauthbearer.token.file=${path.join(tmp.dir, 'token')}`, ...tlsLines()]);
    const replay = await cli(['replay', '--from', ZTF_NIGHT, '--to', `kafka://${proxy.bootstrap.join(',')}/${ZTF_TOPIC}`, '--kafka-config', oauth]);
    expect(replay.code, replay.stderr).toBe(0);
    const ztfAlerts = fileSourceFiles(ZTF_NIGHT).length;
    expect(JSON.parse(replay.stdout).messages).toBe(ztfAlerts);
    // Rubin: the 100 real alerts in the Confluent wire format, 25 per schema version, produced with SASL PLAIN.
    const records = await realRubinRecords();
    const plain = loadKafkaAuth(props('plain.properties', ['security.protocol=SASL_SSL', 'sasl.mechanism=PLAIN', 'sasl.username=alice', `sasl.password=${PASSWORD}`, ...tlsLines()]), {});
    const producer = new Kafka({ clientId: 't', brokers: proxy.bootstrap, logLevel: logLevel.NOTHING, ...plain.kafkajs() }).producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    const wire = records.map((r, i) => ({ key: String(r.diaSourceId), value: wireMessage(r, LSST_VERSIONS[i % 4]) }));
    await producer.send({ topic: RUBIN_TOPIC, messages: wire });
    await producer.disconnect();
    expect(proxy.events.some((e) => e.kind === 'login' && e.detail === 'OAUTHBEARER')).toBe(true);
    expect(proxy.events.some((e) => e.kind === 'login' && e.detail === 'PLAIN alice')).toBe(true);

    // The ZTF night, found and consumed by the night conductor, logged in with SCRAM-SHA-512 (the password from the environment).
    const scramNoPassword = props('scram-env.properties', ['security.protocol=SASL_SSL', 'sasl.mechanism=SCRAM-SHA-512', 'sasl.username=alice', ...tlsLines()]);
    const night = await cli(['stream', '--from', `kafka://${proxy.bootstrap[0]}`, '--topic-pattern', 'ztf_{date}_programid1', '--night', '20180819',
      '--end-after', '00:00', '--night-idle', '2', '--poll-seconds', '0.2', '--session-timeout', '4', '--group', 'ztf', '--data', data, '--kafka-config', scramNoPassword,
      '--no-annotate', '--no-watch'], { SKYJOIN_KAFKA_SASL_PASSWORD: PASSWORD });
    expect(night.code, night.stderr).toBe(0);
    const nightReport = JSON.parse(night.stdout);
    expect(nightReport).toMatchObject({ night: '20180819', topic: ZTF_TOPIC, received: ztfAlerts, deadLettered: 0, duplicatesSkipped: 0 });
    expect(nightReport.outputs.detections).toBeGreaterThanOrEqual(ztfAlerts);
    // Did we get them all: the topic's offsets at the start and the end against what was received and stored.
    expect(nightReport.upstream).toHaveLength(1);
    expect(nightReport.upstream[0]).toMatchObject({ topic: ZTF_TOPIC, night: '20180819', upstream: ztfAlerts, received: ztfAlerts, stored: ztfAlerts, deadLettered: 0, duplicatesSkipped: 0, missing: 0 });
    expect(Object.keys(nightReport.upstream[0].end.partitions)).toEqual(['0', '1', '2', '3']);
    expect(nightReport.upstreamSummary).toEqual([
      `topic ${ZTF_TOPIC} night 20180819: upstream ${ztfAlerts} (low 0 at start, high ${ztfAlerts} at end, over 4 partitions), received ${ztfAlerts}, stored ${ztfAlerts}, dead-lettered 0, duplicates 0, missing 0`,
    ]);
    expect(JSON.parse(readFileSync(nightReport.reportFile, 'utf8')).upstreamSummary).toEqual(nightReport.upstreamSummary);
    expect(proxy.events.some((e) => e.kind === 'login' && e.detail === 'SCRAM-SHA-512 alice')).toBe(true);

    // Rubin: the schemas by id from the registry, over HTTPS with basic auth.
    const reg = props('registry.properties', [`basic.auth.user.info=reg:${REGISTRY_PASSWORD}`, `ssl.ca.location=${certs.caFile}`]);
    const metricsPort = await freePort();
    const running = cli(['stream', '--from', `kafka://${proxy.bootstrap.join(',')}/${RUBIN_TOPIC}`, '--idle-exit', '2', '--session-timeout', '4', '--group', 'rubin', '--data', data,
      '--kafka-config', scram(), '--schema-registry', registry.url, '--schema-registry-config', reg, '--no-annotate', '--no-watch',
      '--metrics-port', String(metricsPort), '--stale-after', '1']);
    let done = false;
    void running.finally(() => { done = true; });
    const scrapes: string[] = [];
    while (!done) {
      const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text(), () => '');
      if (text) scrapes.push(text);
      await new Promise((r) => setTimeout(r, 100));
    }
    const rubin = await running;
    expect(rubin.code, rubin.stderr).toBe(0);
    // Consumer lag and the time since the last message, as Prometheus gauges.
    const last = scrapes.at(-1)!;
    for (let p = 0; p < 4; p++) expect(last).toContain(`skyjoin_stream_consumer_lag{partition="${p}",topic="${RUBIN_TOPIC}"} 0`);
    expect(last).toMatch(/^skyjoin_stream_seconds_since_last_message \d+(\.\d+)?$/m);
    // The freshness alarm: no message for 1 s (the group join, the idle end) is a warning in the log.
    const logs = rubin.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.some((l) => l.msg === 'stale: no message' && l.level === 'warn' && l.staleAfterS === 1)).toBe(true);
    const rubinReport = JSON.parse(rubin.stdout);
    expect(rubinReport).toMatchObject({ received: ztfAlerts + records.length, deadLettered: 0, duplicatesSkipped: 0 });
    // Without a conductor: lines by the alerts' nights, and the topic's '*' line with the offsets.
    const all = rubinReport.upstream.find((l: { night: string }) => l.night === '*');
    expect(all).toMatchObject({ topic: RUBIN_TOPIC, upstream: records.length, received: records.length, stored: records.length, missing: 0 });
    const byNight = rubinReport.upstream.filter((l: { night: string }) => l.night !== '*');
    expect(byNight.reduce((s: number, l: { stored: number }) => s + l.stored, 0)).toBe(records.length);
    for (const v of LSST_VERSIONS) expect(registry.requests.some((q) => q.path === `/schemas/ids/${schemaIdOf(v)}` && q.authorized)).toBe(true);
    // Every Rubin alert once, under its diaSourceId, with the version it came in.
    const decoded = await Promise.all(wire.map((w) => new AlertDecoder({ lsstSchemas: LSST_SCHEMAS }).decode(w.value)));
    expect(new Set(decoded.map(([a]) => a.alertId)).size).toBe(records.length);
    expect(new Set(decoded.map(([a]) => a.schemaVersion))).toEqual(new Set(LSST_VERSIONS));

    const status = await cli(['stream', 'status', '--data', data]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(nightReport.upstreamSummary[0]);
    expect(status.stdout).toContain(`topic ${RUBIN_TOPIC} night *: upstream ${records.length} (low 0 at start, high ${records.length} at end, over 4 partitions), received ${records.length}, stored ${records.length}, dead-lettered 0, duplicates 0, missing 0`);
    const statusJson = await cli(['stream', 'status', '--data', data, '--json']);
    expect(JSON.parse(statusJson.stdout).received).toBe(ztfAlerts + records.length);
    expect(JSON.parse(statusJson.stdout).upstream.map((l: { topic: string; night: string }) => `${l.topic} ${l.night}`)).toContain(`${ZTF_TOPIC} 20180819`);
    // Metrics were scraped during the run: they hold no secret either.
    printed.push(...scrapes);

    // No secret anywhere: what the runs printed, and every file they wrote (reports, stores, outputs).
    const files: string[] = [];
    const walk = (d: string) => { for (const f of readdirSync(d)) { const p = path.join(d, f); if (statSync(p).isDirectory()) walk(p); else files.push(p); } };
    walk(data);
    expect(files.some((f) => f.endsWith('night-20180819.json'))).toBe(true);
    for (const s of SECRETS) {
      for (const out of printed) expect(out.includes(s), `printed output holds a secret: ${out.slice(0, 200)}`).toBe(false);
      for (const f of files) expect(readFileSync(f).includes(s), `${f} holds a secret`).toBe(false);
    }
  }, 180_000);
});

describe('freshness and lag', () => {
  it('lag is the high watermark minus the next stored offset; the alarm fires once per silence, only while the night is on', async () => {
    const { FreshnessMonitor } = await import('../../src/stream/kafka/freshness.js');
    const logs: Array<Record<string, unknown>> = [];
    const auth = loadKafkaAuth(scram(), {});
    await mock.createTopic('lag', 2);
    const producer = new Kafka({ clientId: 't', brokers: proxy.bootstrap, logLevel: logLevel.NOTHING, ...auth.kafkajs() }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: 'lag', messages: Array.from({ length: 30 }, (_, i) => ({ value: `m${i}`, partition: i % 2 })) });
    await producer.disconnect();
    // Offsets 0..9 of both partitions stored, 15 in each upstream: a lag of 5 + 5.
    const m = new FreshnessMonitor({ brokers: proxy.bootstrap, auth, topics: ['lag'], committed: () => 9n, log: (o) => logs.push(o), staleAfterMs: 60_000, activeUntil: Date.now() + 3_600_000 });
    m.start();
    try {
      for (let i = 0; i < 100 && m.lag().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      m.stop();
    }
    expect(m.lag()).toEqual([[{ topic: 'lag', partition: '0' }, 5], [{ topic: 'lag', partition: '1' }, 5]]);
    // The alarm, on explicit clocks: quiet before 60 s, once at 60 s, again only after messages flowed.
    const t0 = Date.now();
    m.check(t0 + 59_000);
    expect(logs.filter((l) => l.msg === 'stale: no message')).toHaveLength(0);
    m.check(t0 + 61_000);
    m.check(t0 + 90_000);
    expect(logs.filter((l) => l.msg === 'stale: no message')).toHaveLength(1);
    m.saw();
    expect(logs.filter((l) => l.msg === 'messages flow again')).toHaveLength(1);
    // After the night's end, silence is expected: no alarm.
    const ended = new FreshnessMonitor({ brokers: [], auth, topics: ['t'], committed: () => -1n, log: (o) => logs.push(o), staleAfterMs: 1000, activeUntil: t0 });
    ended.check(t0 + 10_000);
    expect(logs.filter((l) => l.msg === 'stale: no message')).toHaveLength(1);
  });
});
