import Fastify from 'fastify';

// The yardstick: a bare Fastify JSON route on the same machine, same run, same load
// generator. Every figure in a report is also given as a ratio to this one. As the targets
// were set against it, it logs Fastify's two `info` lines per request (the app turns those
// off below `debug`). BARE_REQUEST_LOGS=off gives the logless variant, about 1.7× as fast,
// which the load test measures too so that a ratio can be read both ways (README, "Load test").
const requestLogs = process.env.BARE_REQUEST_LOGS !== 'off';
const app = Fastify({ logger: { level: requestLogs ? 'info' : 'warn' } });
app.get('/bare', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.env.PORT ?? 3999), host: process.env.HOST ?? '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
