import { randomUUID } from 'node:crypto';
import type autocannon from 'autocannon';
import { type IssuedToken, type Schedule, serverStats } from './lib/api.js';
import { fire, type LoadResult } from './lib/cannon.js';
import { sampleResources } from './lib/sampler.js';
import { type SqlCost, settle, sqlCost } from './lib/sql-cost.js';

/** What every scenario gets: the server, how long to run, and how hard. */
export interface RunSettings {
  /** One URL per server process; autocannon spreads its connections over them. */
  urls: string[];
  seconds: number;
  connections: number;
  /** Users the server has (1..users); issue takes new ones in order. */
  users: number;
}

type Ctx = Record<string, unknown>;

/** One scenario run: the run's servers, length and connections (unless given). */
function fireRun(
  run: RunSettings,
  title: string,
  requests: autocannon.Request[],
  connections = run.connections,
) {
  return fire(title, { url: run.urls, connections, duration: run.seconds, requests });
}
const json = { 'content-type': 'application/json' };
const PRICE = 80_000;

export interface IssueOutcome {
  stages: LoadResult[];
  /** The highest req/s of a stage with p99 < 100 ms and no error or non-2xx answer. */
  best: LoadResult | undefined;
  /** Tokens in the order they were issued (so, in queue order). */
  tokens: IssuedToken[];
}

/** 1. Opening time: ever more users issue a token at once; each stage takes new users. */
export async function tokenIssue(
  run: RunSettings,
  stages: number[],
  stageSeconds: number,
): Promise<IssueOutcome> {
  let next = 0;
  const tokens: IssuedToken[] = [];
  const results: LoadResult[] = [];
  for (const connections of stages) {
    results.push(
      await fire(`issue, ${connections} connections`, {
        url: run.urls,
        connections,
        duration: stageSeconds,
        requests: [
          {
            method: 'POST',
            path: '/waiting/issue',
            headers: json,
            setupRequest: (request) => ({
              ...request,
              body: JSON.stringify({ userId: (next++ % run.users) + 1 }),
            }),
            onResponse: (status, body) => {
              if (status !== 200) return;
              const { userId, token } = JSON.parse(body) as IssuedToken;
              tokens.push({ userId, token });
            },
          },
        ],
      }),
    );
  }
  const clean = results.filter(
    (r) => r.latency.p99 < 100 && r.errors === 0 && r.non2xx === 0 && r.timeouts === 0,
  );
  const best = clean.sort((a, b) => b.reqPerSec - a.reqPerSec)[0];
  // A returning user keeps the first place; keep each user's first token only.
  const seen = new Set<number>();
  const firstTokens = tokens.filter((t) => !seen.has(t.userId) && seen.add(t.userId));
  return { stages: results, best, tokens: firstTokens };
}

export interface CheckOutcome {
  result: LoadResult;
  /** Spread of the per-second p50 and p99 (ms): how steady the answer time is. */
  spread: { p50Min: number; p50Max: number; p99Min: number; p99Max: number; p99StdDev: number };
}

/** 2. Many waiting users poll their place. */
export async function tokenCheck(run: RunSettings, waiting: IssuedToken[]): Promise<CheckOutcome> {
  let next = 0;
  const result = await fireRun(run, 'check (waiting users polling)', [
    {
      method: 'GET',
      path: '/waiting/check',
      setupRequest: (request) => ({
        ...request,
        headers: { 'x-queue-token': waiting[next++ % waiting.length]!.token },
      }),
    },
  ]);
  const seconds = result.timeline.slice(0, -1).filter((s) => s.responses > 0); // the last second is partial
  const p50s = seconds.map((s) => s.p50);
  const p99s = seconds.map((s) => s.p99);
  const mean = p99s.reduce((a, b) => a + b, 0) / Math.max(p99s.length, 1);
  const stdDev = Math.sqrt(p99s.reduce((sum, v) => sum + (v - mean) ** 2, 0) / Math.max(p99s.length, 1));
  return {
    result,
    spread: {
      p50Min: Math.min(...p50s),
      p50Max: Math.max(...p50s),
      p99Min: Math.min(...p99s),
      p99Max: Math.max(...p99s),
      p99StdDev: Math.round(stdDev * 100) / 100,
    },
  };
}

export interface ScheduleOutcome {
  result: LoadResult;
  cacheHitRate: number;
  sqlPerRequest: number;
}

/** 3. Everyone looks at the dates: the in-process cache should carry it. */
export async function scheduleLookup(run: RunSettings, concertIds: number[]): Promise<ScheduleOutcome> {
  const before = await serverStats(run.urls);
  let next = 0;
  const result = await fireRun(run, 'schedule lookup', [
    {
      method: 'GET',
      setupRequest: (request) => ({
        ...request,
        path: `/concerts/${concertIds[next++ % concertIds.length]}/schedules`,
      }),
    },
  ]);
  const after = await serverStats(run.urls);
  const hits = after.scheduleCache.hits - before.scheduleCache.hits;
  const misses = after.scheduleCache.misses - before.scheduleCache.misses;
  return {
    result,
    cacheHitRate: hits / Math.max(hits + misses, 1),
    // Counted by the servers themselves, less the deadlock query each one's first /stats ran;
    // less than 1 means the cache answered.
    sqlPerRequest: (after.sqlQueries - before.sqlQueries - run.urls.length) / Math.max(result.requests, 1),
  };
}

export interface SeatOutcome {
  readers: LoadResult;
  writers: LoadResult;
  paidSeats: number;
  /** Seat maps answered from the (exact, version-checked) cache. */
  cacheHitRate: number;
  /** Seat-map answers that showed a seat other than RESERVED although its payment had completed before the read was sent. */
  staleReads: number;
}

/** 4. Seat maps read while other users hold and pay for seats of the same schedules. */
export async function seatMapUnderWrites(
  run: RunSettings,
  schedules: Schedule[],
  buyers: IssuedToken[],
): Promise<SeatOutcome> {
  const before = await serverStats(run.urls);
  const paidAt = new Map<string, number>();
  let staleReads = 0;
  let nextRead = 0;
  const readers = fireRun(run, 'seat map (while seats are held and paid)', [
    {
      method: 'GET',
      setupRequest: (request, context) => {
        const s = schedules[nextRead++ % schedules.length]!;
        Object.assign(context, { sentAt: Date.now() });
        return { ...request, path: `/concerts/${s.concertId}/schedules/${s.scheduleId}/seats` };
      },
      onResponse: (status, body, context) => {
        if (status !== 200) return;
        const { scheduleId, seats } = JSON.parse(body) as {
          scheduleId: number;
          seats: { seatNumber: number; status: string }[];
        };
        const sentAt = (context as Ctx).sentAt as number;
        for (const seat of seats) {
          const paid = paidAt.get(`${scheduleId}:${seat.seatNumber}`);
          if (paid !== undefined && paid < sentAt && seat.status !== 'RESERVED') staleReads += 1;
        }
      },
    },
  ]);

  // Each buyer: charge, hold the next unsold seat, pay. A payment ends the buyer's queue session.
  let nextBuyer = 0;
  let nextSeat = 0;
  const writers = fireRun(
    run,
    'writers: charge → hold → pay',
    buyerSequence(
      () => buyers[nextBuyer++ % buyers.length]!,
      () => {
        const k = nextSeat++;
        return {
          schedule: schedules[k % schedules.length]!,
          seatNumber: (Math.floor(k / schedules.length) % 50) + 1,
        };
      },
      (scheduleId, seatNumber) => paidAt.set(`${scheduleId}:${seatNumber}`, Date.now()),
    ),
    Math.max(2, Math.floor(run.connections / 10)),
  );
  const [readResult, writeResult] = await Promise.all([readers, writers]);
  const after = await serverStats(run.urls);
  const hits = after.seatMapCache.hits - before.seatMapCache.hits;
  const misses = after.seatMapCache.misses - before.seatMapCache.misses;
  return {
    readers: readResult,
    writers: writeResult,
    paidSeats: paidAt.size,
    cacheHitRate: hits / Math.max(hits + misses, 1),
    staleReads,
  };
}

function buyerSequence(
  nextBuyer: () => IssuedToken,
  nextSeat: () => { schedule: Schedule; seatNumber: number },
  onPaid: (scheduleId: number, seatNumber: number) => void,
): autocannon.Request[] {
  const headers = (context: Ctx) => ({
    ...json,
    'x-queue-token': context.token as string,
    'idempotency-key': randomUUID(),
  });
  return [
    {
      method: 'PATCH',
      setupRequest: (request, context) => {
        const buyer = nextBuyer();
        const { schedule, seatNumber } = nextSeat();
        Object.assign(context, { ...buyer, schedule, seatNumber, reservationId: undefined });
        return {
          ...request,
          path: `/users/${buyer.userId}/charge`,
          headers: headers(context as Ctx),
          body: JSON.stringify({ amount: PRICE }),
        };
      },
    },
    {
      method: 'POST',
      path: '/reservations',
      setupRequest: (request, context) => {
        const c = context as Ctx & { schedule: Schedule };
        const body = { userId: c.userId, ...c.schedule, seatNumber: c.seatNumber };
        return { ...request, headers: headers(c), body: JSON.stringify(body) };
      },
      onResponse: (status, body, context) => {
        if (status === 201)
          Object.assign(context, {
            reservationId: (JSON.parse(body) as { reservationId: string }).reservationId,
          });
      },
    },
    {
      method: 'POST',
      path: '/payments',
      setupRequest: (request, context) => {
        const c = context as Ctx;
        // Nothing held (the seat was taken): skip the payment, start over with the next buyer.
        if (!c.reservationId) return undefined as unknown as autocannon.Request;
        return {
          ...request,
          headers: headers(c),
          body: JSON.stringify({ reservationId: c.reservationId, amount: PRICE }),
        };
      },
      onResponse: (status, _body, context) => {
        const c = context as Ctx & { schedule: Schedule };
        if (status === 201) onPaid(c.schedule.scheduleId, c.seatNumber as number);
      },
    },
  ];
}

interface HoldTarget {
  user: IssuedToken;
  schedule: Schedule;
  seatNumber: number;
}

/** One POST /reservations per call, for whichever user and seat `next` picks. */
function holdRequest(
  next: () => HoldTarget,
  onResponse?: autocannon.Request['onResponse'],
): autocannon.Request {
  return {
    method: 'POST',
    path: '/reservations',
    setupRequest: (request) => {
      const { user, schedule, seatNumber } = next();
      return {
        ...request,
        headers: { ...json, 'x-queue-token': user.token, 'idempotency-key': randomUUID() },
        body: JSON.stringify({ userId: user.userId, ...schedule, seatNumber }),
      };
    },
    onResponse,
  };
}

export interface StormOutcome {
  result: LoadResult;
  won: number;
  refused: number;
  /** Seats that more than one request won (must be 0). */
  doubleWins: number;
  deadlocks: number;
  sql: SqlCost;
}

/** 5. Many active users try to hold the same few hundred seats at once. */
export async function reservationStorm(
  run: RunSettings,
  schedules: Schedule[],
  users: IssuedToken[],
): Promise<StormOutcome> {
  const before = await serverStats(run.urls);
  const wins = new Map<string, number>();
  let nextUser = 0;
  const random = () => Math.floor(Math.random() * 2 ** 31);
  const result = await fireRun(run, 'reservation storm', [
    holdRequest(
      () => ({
        user: users[nextUser++ % users.length]!,
        schedule: schedules[random() % schedules.length]!,
        seatNumber: (random() % 50) + 1,
      }),
      (status, body) => {
        if (status !== 201) return;
        const { scheduleId, seatNumber } = JSON.parse(body) as { scheduleId: number; seatNumber: number };
        const key = `${scheduleId}:${seatNumber}`;
        wins.set(key, (wins.get(key) ?? 0) + 1);
      },
    ),
  ]);
  await settle();
  const after = await serverStats(run.urls);
  return {
    result,
    won: result.statusCodes['201'] ?? 0,
    refused: result.statusCodes['409'] ?? 0,
    doubleWins: [...wins.values()].filter((n) => n > 1).length,
    deadlocks: after.deadlocks - before.deadlocks,
    sql: sqlCost(before, after, nextUser, run.urls.length), // requests sent
  };
}

export interface FreeHoldOutcome {
  result: LoadResult;
  won: number;
  refused: number;
  deadlocks: number;
  sql: SqlCost;
}

/** 5b. The transaction path alone: every request holds a different free seat. */
export async function freeSeatHolds(
  run: RunSettings,
  schedules: Schedule[],
  users: IssuedToken[],
): Promise<FreeHoldOutcome> {
  const before = await serverStats(run.urls);
  let next = 0;
  const result = await fireRun(run, 'holds of free seats', [
    holdRequest(() => {
      const k = next++;
      return {
        user: users[k % users.length]!,
        schedule: schedules[Math.floor(k / 50) % schedules.length]!,
        seatNumber: (k % 50) + 1,
      };
    }),
  ]);
  await settle();
  const after = await serverStats(run.urls);
  return {
    result,
    won: result.statusCodes['201'] ?? 0,
    refused: result.statusCodes['409'] ?? 0,
    deadlocks: after.deadlocks - before.deadlocks,
    sql: sqlCost(before, after, next, run.urls.length), // requests sent
  };
}

/** The bare route; with the server's pid, also the CPU time it used in the measured run (not the warm-up). */
export async function bareRoute(
  url: string,
  seconds: number,
  connections: number,
  pid?: number,
): Promise<LoadResult & { cpuSeconds?: number }> {
  await fire('bare route warm-up', { url: `${url}/bare`, connections, duration: 1 }); // JIT, sockets
  const sampler = pid === undefined ? undefined : sampleResources(pid);
  const result = await fire('bare Fastify JSON route', {
    url: `${url}/bare`,
    connections,
    duration: seconds,
  });
  return sampler ? { ...result, cpuSeconds: sampler.stop().serverCpuSeconds } : result;
}
