// Real receivers on loopback for the notification tests: an HTTP server that
// records every request (and answers as told: status, delay, headers), the
// port of a receiver that is down, and an SMTP server that records mails.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { verifySignature } from '../../src/notify/signature.js';

export interface Received {
  at: number;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Status answered. */
  status: number;
}

export interface Answer {
  status?: number;
  delayMs?: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpReceiver {
  url: string;
  got: Received[];
  /** Requests answered 2xx. */
  ok(): Received[];
  /** Checks each accepted request's signature with `secret`; returns the reasons of those that fail. */
  badSignatures(secret: string): string[];
  close(): Promise<void>;
}

/** An HTTP receiver; `answer(n)` decides the answer to the n-th request (0-based). */
export async function httpReceiver(answer: (n: number, body: string) => Answer = () => ({})): Promise<HttpReceiver> {
  const got: Received[] = [];
  let n = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const a = answer(n++, body);
      const status = a.status ?? 200;
      const done = () => {
        got.push({ at: Date.now(), url: req.url ?? '', headers: req.headers, body, status });
        res.writeHead(status, { 'content-type': 'text/plain', ...a.headers });
        res.end(a.body ?? (status < 300 ? 'ok' : 'error'));
      };
      if (a.delayMs) setTimeout(done, a.delayMs);
      else done();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    got,
    ok: () => got.filter((g) => g.status >= 200 && g.status < 300),
    badSignatures: (secret) => got.filter((g) => g.status < 300).map((g) => verifySignature(secret, g.headers['skyjoin-signature'] as string, g.body)).filter((x): x is string => x !== null),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A URL on loopback where nothing listens (connection refused). */
export async function downUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/hook`;
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Map<string, unknown>;
}

export interface SmtpReceiver {
  port: number;
  mails: Mail[];
  close(): Promise<void>;
}

/** A real SMTP server on loopback (no TLS, any sender, any recipient) that parses and records every mail. */
export async function smtpReceiver(opts: { refuseRcpt?: (addr: string) => boolean } = {}): Promise<SmtpReceiver> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    onRcptTo(addr, _session, cb) {
      if (opts.refuseRcpt?.(addr.address)) return cb(Object.assign(new Error('no such mailbox'), { responseCode: 550 }));
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream).then((m) => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address),
          subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '', messageId: m.messageId ?? '', headers: m.headers as Map<string, unknown>,
        });
        cb();
      }, (err: Error) => cb(err));
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}
