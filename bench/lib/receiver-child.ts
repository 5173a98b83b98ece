// A webhook receiver in its own process for the notification bench: answers
// 200 after `delayMs` (0: at once), counts requests, and prints its port, then
// the count on each line of stdin ("count") and at SIGTERM.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const delayMs = Number(process.argv[2] ?? 0);
let count = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    count++;
    const done = () => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('ok'); };
    if (delayMs > 0) setTimeout(done, delayMs);
    else done();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${(server.address() as AddressInfo).port}\n`));
process.stdin.setEncoding('utf8').on('data', () => process.stdout.write(`${count}\n`));
process.on('SIGTERM', () => { process.stdout.write(`${count}\n`); process.exit(0); });
