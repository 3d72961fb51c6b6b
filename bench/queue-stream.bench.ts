/**
 * npm run bench:stream [-- --streams 10000 --seconds 8]
 *
 * 10,000 concurrent GET /waiting/stream connections on one server process (memory
 * queue, a tick per second admitting 20, so every waiter's position changes every
 * tick): memory per stream (the server's RSS before and after the streams open),
 * the per-tick fan-out time (the server's own measure) and event latency (from the
 * tick that produced an event to its arrival here; same machine, same clock).
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fmt, percentile } from '../load/lib/cannon.js';
import { startServerProcess } from '../load/lib/server-process.js';

const { values: args } = parseArgs({
  options: { streams: { type: 'string', default: '10000' }, seconds: { type: 'string', default: '8' } },
});
const count = Number(args.streams);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rssOf(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'sd-stream-bench-'));
const server = await startServerProcess({
  DATA_DIR: dataDir,
  SEED_USERS: String(count),
  LOG_LEVEL: 'debug',
  QUEUE_TICK_MS: '1000',
  QUEUE_ADMIT_PER_TICK: '20',
  QUEUE_IDLE_TIMEOUT_SECONDS: '600',
});
try {
  console.log(`stream benchmark: ${fmt(count)} streams on one server process`);
  const tokens: string[] = [];
  for (let start = 1; start <= count; start += 200) {
    const batch = Array.from({ length: Math.min(200, count - start + 1) }, (_, i) => start + i);
    const issued = await Promise.all(
      batch.map((userId) =>
        fetch(`${server.url}/waiting/issue`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId }),
        }).then((r) => r.json() as Promise<{ token: string }>),
      ),
    );
    tokens.push(...issued.map((i) => i.token));
  }
  await sleep(1500);
  const rssBefore = await rssOf(server.child.pid!);

  const latencies: number[] = [];
  let firstEvents = 0;
  let events = 0;
  const url = new URL(server.url);
  const sockets: http.ClientRequest[] = [];
  const opened = Date.now();
  const openOne = (token: string) =>
    new Promise<void>((resolve, reject) => {
      const request = http.get(
        {
          host: url.hostname,
          port: url.port,
          path: '/waiting/stream',
          headers: { 'x-queue-token': token },
        },
        (response) => {
          let first = true;
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            const received = Date.now();
            for (const match of chunk.matchAll(/"at":(\d+)/g)) {
              events += 1;
              if (first) {
                first = false;
                firstEvents += 1;
                resolve();
              } else latencies.push(received - Number(match[1]));
            }
          });
        },
      );
      request.on('error', reject);
      sockets.push(request);
    });
  // In batches: 10,000 connects at once would overflow the server's listen backlog.
  for (let i = 0; i < tokens.length; i += 250) await Promise.all(tokens.slice(i, i + 250).map(openOne));
  const openMs = Date.now() - opened;
  await sleep(1500);
  const rssOpen = await rssOf(server.child.pid!);
  await sleep(Number(args.seconds) * 1000);
  const fanouts = [...server.output().matchAll(/"streams":(\d+),"fanoutMs":([\d.]+),"sent":(\d+)/g)]
    .map((m) => ({ streams: Number(m[1]), ms: Number(m[2]), sent: Number(m[3]) }))
    .filter((f) => f.streams >= count * 0.99);
  for (const socket of sockets) socket.destroy();
  latencies.sort((a, b) => a - b);
  const tickMs = fanouts.map((f) => f.ms).sort((a, b) => a - b);
  console.log(`\n| measure | value |\n|---|---:|`);
  console.log(
    `| streams open (first event received) | ${fmt(firstEvents)} of ${fmt(count)} in ${fmt(openMs)} ms |`,
  );
  console.log(
    `| server RSS before → with streams | ${fmt(rssBefore / 2 ** 20, 1)} → ${fmt(rssOpen / 2 ** 20, 1)} MiB |`,
  );
  console.log(
    `| memory per stream (RSS delta ÷ streams) | ${fmt((rssOpen - rssBefore) / count / 1024, 1)} KiB |`,
  );
  console.log(`| ticks with all streams (fan-outs measured) | ${fanouts.length} |`);
  console.log(
    `| fan-out per tick, median / max | ${fmt(percentile(tickMs, 50), 1)} / ${fmt(tickMs.at(-1) ?? 0, 1)} ms |`,
  );
  console.log(
    `| events sent per tick (median) | ${fmt(
      percentile(
        fanouts.map((f) => f.sent).sort((a, b) => a - b),
        50,
      ),
    )} |`,
  );
  console.log(`| events received after the first | ${fmt(latencies.length)} (${fmt(events)} in all) |`);
  console.log(
    `| event latency from its tick, p50 / p99 / max | ${percentile(latencies, 50)} / ${percentile(latencies, 99)} / ${latencies.at(-1) ?? 0} ms |`,
  );
} finally {
  await server.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
