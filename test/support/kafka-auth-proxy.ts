// A TLS and SASL front for the librdkafka mock cluster (which has neither), so
// tests run skyjoin's real Kafka handshakes: node:tls with the certificates a
// test makes, then SaslHandshake / SaslAuthenticate answered here with a
// server side of PLAIN, SCRAM-SHA-256/512 (RFC 5802: salted password, stored
// and server keys, proof check, server signature) and OAUTHBEARER (a fixed
// token). Once a client is logged in, its requests go byte for byte to the
// mock broker behind its listener, and the answers come back, with the broker
// addresses in Metadata and FindCoordinator answers rewritten to the proxy's
// listeners (one per mock broker) so that no client ever reaches the mock
// around the proxy. ApiVersions answers gain SaslHandshake and
// SaslAuthenticate. Like a Kafka broker, a failed login gets its error answer
// and the connection is closed; any other request before login closes it.

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';

const API = { metadata: 3, findCoordinator: 10, saslHandshake: 17, apiVersions: 18, saslAuthenticate: 36 } as const;
const ERR = { unsupportedMechanism: 33, illegalSaslState: 34, saslAuthenticationFailed: 58 } as const;
const SCRAM_ITERATIONS = 4096;

export type ProxyMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

export interface KafkaAuthProxyOptions {
  /** The mock's brokers, host:port (KafkaMock.bootstrap); one listener each. */
  upstream: string[];
  /** TLS on the listeners: PEM key and certificate; with `ca`, client certificates are required and checked. */
  tls?: { key: Buffer; cert: Buffer; ca?: Buffer };
  /** SASL on the listeners: the mechanisms offered, users and passwords, the OAUTHBEARER token. */
  sasl?: { mechanisms: ProxyMechanism[]; users?: Record<string, string>; token?: string };
  /** The host name put in rewritten broker addresses (default 127.0.0.1). */
  advertisedHost?: string;
}

/** What happened at the proxy, for tests to check that the handshakes really ran. */
export interface ProxyEvent {
  kind: 'tls' | 'tls-error' | 'login' | 'login-failed' | 'refused';
  detail: string;
}

export interface KafkaAuthProxy {
  /** host:port of every listener, in the order of `upstream`. */
  bootstrap: string[];
  events: ProxyEvent[];
  stop(): Promise<void>;
}

// ---- Kafka wire helpers (non-flexible versions: what kafkajs 2.2.4 uses) ----

class Reader {
  o = 0;
  constructor(readonly b: Buffer) {}
  i16() { const v = this.b.readInt16BE(this.o); this.o += 2; return v; }
  i32() { const v = this.b.readInt32BE(this.o); this.o += 4; return v; }
  str(): string | null {
    const n = this.i16();
    if (n < 0) return null;
    const s = this.b.toString('utf8', this.o, this.o + n);
    this.o += n;
    return s;
  }
  bytes(): Buffer {
    const n = this.i32();
    const s = this.b.subarray(this.o, this.o + Math.max(0, n));
    this.o += Math.max(0, n);
    return s;
  }
}

const i16 = (v: number) => { const b = Buffer.alloc(2); b.writeInt16BE(v); return b; };
const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32BE(v); return b; };
const str = (s: string | null) => (s === null ? i16(-1) : Buffer.concat([i16(Buffer.byteLength(s)), Buffer.from(s)]));
const bytes = (b: Buffer) => Buffer.concat([i32(b.length), b]);
const frame = (body: Buffer) => Buffer.concat([i32(body.length), body]);

/** Splits a byte stream into Kafka frames (int32 size, then the frame). */
class Framer {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
      const n = this.buf.readInt32BE(0);
      out.push(this.buf.subarray(4, 4 + n));
      this.buf = this.buf.subarray(4 + n);
    }
    return out;
  }
}

// ---- SCRAM server side (RFC 5802, RFC 7677) ----

interface ScramCredential { salt: Buffer; storedKey: Buffer; serverKey: Buffer }

function scramCredential(password: string, hash: 'sha256' | 'sha512'): ScramCredential {
  const salt = randomBytes(16);
  const len = hash === 'sha256' ? 32 : 64;
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, len, hash);
  const clientKey = createHmac(hash, salted).update('Client Key').digest();
  return { salt, storedKey: createHash(hash).update(clientKey).digest(), serverKey: createHmac(hash, salted).update('Server Key').digest() };
}

const attrs = (msg: string) => Object.fromEntries(msg.split(',').map((kv) => [kv[0], kv.slice(2)]));
const saslName = (s: string) => s.replace(/=2C/g, ',').replace(/=3D/g, '=');

class ScramExchange {
  private first = '';
  private serverFirst = '';
  private nonce = '';
  private user = '';
  done = false;
  constructor(private readonly hash: 'sha256' | 'sha512', private readonly creds: Map<string, ScramCredential>) {}

  /** One client message in, the server's answer out; throws with the broker's message on failure. */
  step(msg: string): { reply: string; user?: string } {
    if (!this.first) {
      if (!msg.startsWith('n,')) throw new Error('SCRAM: channel binding flag not supported');
      this.first = msg.slice(msg.indexOf(',', 2) + 1); // client-first-message-bare
      const a = attrs(this.first);
      this.user = saslName(a.n ?? '');
      this.nonce = `${a.r}${randomBytes(18).toString('base64')}`;
      // An unknown user gets a made-up salt, as real brokers do, and fails at the proof.
      const c = this.creds.get(this.user);
      this.serverFirst = `r=${this.nonce},s=${(c?.salt ?? randomBytes(16)).toString('base64')},i=${SCRAM_ITERATIONS}`;
      return { reply: this.serverFirst };
    }
    const a = attrs(msg);
    const withoutProof = msg.slice(0, msg.lastIndexOf(',p='));
    const c = this.creds.get(this.user);
    if (a.r !== this.nonce || !c) throw new Error(this.failure());
    const authMessage = `${this.first},${this.serverFirst},${withoutProof}`;
    const signature = createHmac(this.hash, c.storedKey).update(authMessage).digest();
    const proof = Buffer.from(a.p ?? '', 'base64');
    if (proof.length !== signature.length) throw new Error(this.failure());
    const clientKey = Buffer.from(proof.map((x, i) => x ^ signature[i]));
    if (!timingSafeEqual(createHash(this.hash).update(clientKey).digest(), c.storedKey)) throw new Error(this.failure());
    this.done = true;
    return { reply: `v=${createHmac(this.hash, c.serverKey).update(authMessage).digest('base64')}`, user: this.user };
  }

  private failure(): string {
    return `Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-${this.hash === 'sha256' ? 'SHA-256' : 'SHA-512'}`;
  }
}

// ---- One client connection ----

interface Pending { apiKey: number; version: number; local?: Buffer; done: boolean; out?: Buffer; close?: boolean }

function serve(client: net.Socket, upstreamAddr: string, o: KafkaAuthProxyOptions, rewrite: (host: string, port: number) => [string, number], events: ProxyEvent[], creds: Record<'sha256' | 'sha512', Map<string, ScramCredential>>): void {
  const sasl = o.sasl;
  let loggedIn = !sasl;
  let mechanism: ProxyMechanism | null = null;
  let scram: ScramExchange | null = null;
  let upstream: net.Socket | null = null;
  const queue: Pending[] = []; // answers go back in request order
  const fromClient = new Framer();
  const fromUpstream = new Framer();

  const flush = () => {
    while (queue.length && queue[0].done) {
      const p = queue.shift()!;
      if (p.out && !client.destroyed) client.write(frame(p.out));
      if (p.close) { client.end(); upstream?.destroy(); return; }
    }
  };
  const answer = (correlation: number, apiKey: number, version: number, body: Buffer, close = false) => {
    queue.push({ apiKey, version, done: true, out: Buffer.concat([i32(correlation), body]), close });
    flush();
  };
  const refuse = (why: string) => {
    events.push({ kind: 'refused', detail: why });
    client.destroy();
    upstream?.destroy();
  };
  const relay = (req: Buffer, apiKey: number, version: number) => {
    if (!upstream) {
      const [h, p] = upstreamAddr.split(':');
      upstream = net.connect(Number(p), h);
      upstream.on('data', (chunk) => {
        for (const res of fromUpstream.push(chunk)) {
          const slot = queue.find((q) => !q.done);
          if (!slot) return refuse('answer from the mock without a request');
          try {
            slot.out = adjust(slot.apiKey, slot.version, res);
          } catch (err) {
            return refuse((err as Error).message);
          }
          slot.done = true;
        }
        flush();
      });
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
    }
    queue.push({ apiKey, version, done: false });
    upstream.write(frame(req));
  };
  // The answers the proxy changes on their way back.
  const adjust = (apiKey: number, version: number, res: Buffer): Buffer => {
    if (apiKey === API.apiVersions && sasl && version <= 2) return withSaslApis(res, version);
    if (apiKey === API.metadata && version <= 8) return rewriteMetadata(res, version, rewrite);
    if (apiKey === API.findCoordinator && version <= 2) return rewriteCoordinator(res, version, rewrite);
    if ((apiKey === API.metadata && version > 8) || (apiKey === API.findCoordinator && version > 2)) throw new Error(`kafka-auth-proxy: flexible version ${version} of API ${apiKey} is not handled`);
    return res;
  };

  client.on('data', (chunk: Buffer) => {
    for (const req of fromClient.push(chunk)) {
      const r = new Reader(req);
      const apiKey = r.i16();
      const version = r.i16();
      const correlation = r.i32();
      r.str(); // client id
      if (apiKey === API.apiVersions) { relay(req, apiKey, version); continue; }
      if (sasl && apiKey === API.saslHandshake) {
        const want = (r.str() ?? '').toUpperCase();
        const ok = sasl.mechanisms.includes(want as ProxyMechanism) && !loggedIn;
        if (ok) mechanism = want as ProxyMechanism;
        const list = Buffer.concat([i32(sasl.mechanisms.length), ...sasl.mechanisms.map(str)]);
        answer(correlation, apiKey, version, Buffer.concat([i16(ok ? 0 : ERR.unsupportedMechanism), list]));
        if (!ok) events.push({ kind: 'login-failed', detail: `mechanism ${want} not offered` });
        continue;
      }
      if (sasl && apiKey === API.saslAuthenticate) {
        const token = r.bytes().toString('utf8');
        const reply = (err: number, message: string | null, auth: Buffer, close = false) =>
          answer(correlation, apiKey, version, Buffer.concat([i16(err), str(message), bytes(auth), version >= 1 ? Buffer.alloc(8) : Buffer.alloc(0)]), close);
        const fail = (message: string) => {
          events.push({ kind: 'login-failed', detail: `${mechanism}: ${message}` });
          reply(ERR.saslAuthenticationFailed, message, Buffer.alloc(0), true);
        };
        if (!mechanism || loggedIn) { fail('SaslAuthenticate outside a handshake'); continue; }
        if (mechanism === 'PLAIN') {
          const [, user, pass] = token.split('\u0000');
          if (sasl.users?.[user] !== undefined && sasl.users[user] === pass) {
            loggedIn = true;
            events.push({ kind: 'login', detail: `PLAIN ${user}` });
            reply(0, null, Buffer.alloc(0));
          } else fail('Authentication failed: Invalid username or password');
        } else if (mechanism === 'OAUTHBEARER') {
          const m = /auth=Bearer ([^\u0001]+)\u0001/.exec(token);
          if (m && sasl.token !== undefined && m[1] === sasl.token) {
            loggedIn = true;
            events.push({ kind: 'login', detail: 'OAUTHBEARER' });
            reply(0, null, Buffer.alloc(0));
          } else fail('Authentication failed: invalid_token');
        } else {
          const hash = mechanism === 'SCRAM-SHA-256' ? 'sha256' : 'sha512';
          scram ??= new ScramExchange(hash, creds[hash]);
          try {
            const { reply: text, user } = scram.step(token);
            if (scram.done) { loggedIn = true; events.push({ kind: 'login', detail: `${mechanism} ${user}` }); }
            reply(0, null, Buffer.from(text));
          } catch (err) {
            fail((err as Error).message);
          }
        }
        continue;
      }
      if (!loggedIn) { refuse(`request ${apiKey} before login`); return; }
      relay(req, apiKey, version);
    }
  });
  client.on('error', () => upstream?.destroy());
  client.on('close', () => upstream?.destroy());
}

function withSaslApis(res: Buffer, version: number): Buffer {
  const r = new Reader(res);
  const correlation = r.i32();
  const err = r.i16();
  if (err !== 0) return res;
  const n = r.i32();
  const keys: Buffer[] = [];
  const have = new Set<number>();
  for (let i = 0; i < n; i++) {
    keys.push(res.subarray(r.o, r.o + 6));
    have.add(r.i16());
    r.o += 4;
  }
  if (!have.has(API.saslHandshake)) keys.push(Buffer.concat([i16(API.saslHandshake), i16(0), i16(1)]));
  if (!have.has(API.saslAuthenticate)) keys.push(Buffer.concat([i16(API.saslAuthenticate), i16(0), i16(1)]));
  return Buffer.concat([i32(correlation), i16(0), i32(keys.length), ...keys, version >= 1 ? res.subarray(r.o) : Buffer.alloc(0)]);
}

function rewriteMetadata(res: Buffer, version: number, rewrite: (h: string, p: number) => [string, number]): Buffer {
  const r = new Reader(res);
  const head = [i32(r.i32())];
  if (version >= 3) head.push(i32(r.i32())); // throttle_time_ms
  const n = r.i32();
  const brokers: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const id = r.i32();
    const [h, p] = rewrite(r.str()!, r.i32());
    const rack = version >= 1 ? str(r.str()) : Buffer.alloc(0);
    brokers.push(Buffer.concat([i32(id), str(h), i32(p), rack]));
  }
  return Buffer.concat([...head, i32(n), ...brokers, res.subarray(r.o)]);
}

function rewriteCoordinator(res: Buffer, version: number, rewrite: (h: string, p: number) => [string, number]): Buffer {
  const r = new Reader(res);
  const head = [i32(r.i32())];
  if (version >= 1) head.push(i32(r.i32())); // throttle_time_ms
  head.push(i16(r.i16()));
  if (version >= 1) head.push(str(r.str()));
  const id = r.i32();
  const [h, p] = rewrite(r.str()!, r.i32());
  return Buffer.concat([...head, i32(id), str(h), i32(p), res.subarray(r.o)]);
}

/** Starts one listener per mock broker on loopback; stop() closes them and every connection. */
export async function startKafkaAuthProxy(o: KafkaAuthProxyOptions): Promise<KafkaAuthProxy> {
  const events: ProxyEvent[] = [];
  const advertised = o.advertisedHost ?? '127.0.0.1';
  const creds = { sha256: new Map<string, ScramCredential>(), sha512: new Map<string, ScramCredential>() };
  for (const [u, p] of Object.entries(o.sasl?.users ?? {})) {
    creds.sha256.set(u, scramCredential(p, 'sha256'));
    creds.sha512.set(u, scramCredential(p, 'sha512'));
  }
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  const ports = new Map<string, number>(); // upstream host:port -> proxy port
  const rewrite = (h: string, p: number): [string, number] => {
    const mine = ports.get(`${h}:${p}`);
    if (mine === undefined) throw new Error(`kafka-auth-proxy: the mock named broker ${h}:${p}, which has no listener`);
    return [advertised, mine];
  };
  for (const up of o.upstream) {
    const onClient = (s: net.Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      serve(s, up, o, rewrite, events, creds);
    };
    const server = o.tls
      ? tls.createServer({ key: o.tls.key, cert: o.tls.cert, ...(o.tls.ca ? { ca: o.tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }, (s) => {
        events.push({ kind: 'tls', detail: `${s.getProtocol()}${s.authorized && o.tls?.ca ? `, client ${String(s.getPeerCertificate().subject?.CN)}` : ''}` });
        onClient(s);
      })
      : net.createServer(onClient);
    if (o.tls) server.on('tlsClientError', (err: Error) => events.push({ kind: 'tls-error', detail: err.message }));
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
    ports.set(up, (server.address() as net.AddressInfo).port);
    servers.push(server);
  }
  return {
    bootstrap: o.upstream.map((u) => `${advertised}:${ports.get(u)}`),
    events,
    async stop() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
