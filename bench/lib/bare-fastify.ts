// The yardstick of the service bench: a bare Fastify server, one route
// returning a small JSON object, no hooks or plugins. Run as a child process:
// node dist/bench/lib/bare-fastify.js PORT

import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/bare', async () => ({ ok: true, count: 0 }));
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
