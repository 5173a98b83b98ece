// One HTTP POST to a receiver, the way every HTTP channel sends: keep-alive
// connections, a time limit for the whole exchange, at most
// maxResponseBytes of the answer read, and every address the host resolves to
// checked against the address policy before connecting (a name may point into
// a private network even when its URL looked harmless at creation).

import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { refuseAddress, refuseUrl } from '../address-policy.js';
import type { NotifyConfig } from '../config.js';
import { httpVerdict, retryAfterMs, type DeliveryResult } from '../retry.js';

// Sockets kept open between deliveries to the same receiver.
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup that refuses addresses outside the policy. */
function checkedLookup(allow: NotifyConfig['allowNetworks']) {
  return (host: string, opts: LookupOptions, cb: LookupCallback): void => {
    dnsLookup(host, { ...opts, all: true }, (err, addrs) => {
      if (err) return cb(err, '');
      const list = addrs as LookupAddress[];
      for (const a of list) {
        const why = refuseAddress(a.address, allow);
        if (why) {
          const e = new Error(`refused: ${host} resolves to ${why}`) as NodeJS.ErrnoException;
          e.code = 'EREFUSEDADDR';
          return cb(e, '');
        }
      }
      if (opts.all) return cb(null, list);
      cb(null, list[0].address, list[0].family);
    });
  };
}

export interface PostOptions {
  headers: Record<string, string>;
  config: Pick<NotifyConfig, 'allowNetworks' | 'timeoutSeconds' | 'maxResponseBytes'>;
}

/** POSTs body to url; never throws: the result says what happened and whether a retry may help. */
export function postBody(url: string, body: string, o: PostOptions): Promise<DeliveryResult & { response: string }> {
  const t0 = performance.now();
  const fail = (error: string, final: boolean, status: number | null = null) => ({ ok: false, final, status, latencyMs: performance.now() - t0, error, response: '' });
  const bad = refuseUrl(url, o.config.allowNetworks);
  if (bad) return Promise.resolve(fail(`url ${bad}`, true));
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: DeliveryResult & { response: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = mod.request(u, {
      method: 'POST',
      agent: u.protocol === 'https:' ? agents.https : agents.http,
      lookup: checkedLookup(o.config.allowNetworks) as never,
      headers: { ...o.headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'skyjoin-notify/1' },
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        // Read up to the limit, then stop listening: a huge answer costs nothing.
        if (size < o.config.maxResponseBytes) chunks.push(c.subarray(0, o.config.maxResponseBytes - size));
        size += c.length;
        if (size > o.config.maxResponseBytes) res.destroy();
      });
      const end = () => {
        const status = res.statusCode ?? 0;
        const verdict = httpVerdict(status);
        const text = Buffer.concat(chunks).toString('utf8');
        finish({
          ok: verdict === 'ok', final: verdict === 'final', status, latencyMs: performance.now() - t0,
          error: verdict === 'ok' ? null : `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`,
          retryAfterMs: status === 429 || status === 503 ? retryAfterMs(res.headers['retry-after']) : undefined,
          response: text,
        });
      };
      res.on('end', end);
      res.on('close', end);
      res.on('error', end);
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(fail(`timed out after ${o.config.timeoutSeconds} s`, false));
    }, o.config.timeoutSeconds * 1000);
    req.on('error', (err: NodeJS.ErrnoException) => {
      // An address refused by the policy is final; connection errors are worth a retry.
      finish(fail(err.code === 'EREFUSEDADDR' ? err.message : `${err.code ?? 'error'}: ${err.message}`, err.code === 'EREFUSEDADDR'));
    });
    req.end(body);
  });
}
