import Fastify from 'fastify';

// The yardstick: a bare Fastify JSON route on the same machine, same run, same load
// generator. Every figure in a report is also given as a ratio to this one.
const app = Fastify({ logger: { level: 'info' } });
app.get('/bare', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.env.PORT ?? 3999), host: process.env.HOST ?? '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
