import type { Schedule } from '../lib/api.js';
import type { AppSlot } from './apps.js';
import { codeOf, type Exchange, type History, isOk } from './history.js';

export interface SaleWorld {
  history: History;
  apps: AppSlot[];
  random: () => number;
  schedules: Schedule[];
  /** Release and refund exist only where the sales work (issue 11) is merged. */
  routes: { release: boolean; refund: boolean };
  /** History time after which no fan starts anything new. */
  hardStop: number;
  timeoutMs: number;
  /** How long a careful client keeps retrying one request (same key) before giving up. */
  retryBudgetMs: number;
}

export interface Fan {
  id: number;
  userId: number;
  app: number;
  token?: string;
  /**
   * The fan's arrival: `start` when it first sent an issue (one whose answer was lost may
   * still have queued it), `end` when an issue first answered (it is queued by then).
   */
  arrival?: { start: number; end: number };
  firstIssueAt?: number;
  /** The arrival sequence signed into the fan's waiting token (its place in line), from its last issue. */
  seq?: number;
  /** Every answered check: when, on which process, and whether it said active. */
  checks: { start: number; end: number; app: string; seq: number | undefined; active: boolean }[];
  firstActiveAt?: number;
  /** 401s on a live place: `admitted` once the fan had been seen active, else `waiting`. */
  lost: { at: number; op: string; code: string | undefined; admitted: boolean }[];
  paid: boolean;
  outcome: string;
}

/** A queue token is `<userId>.<room>.<seq>.<issuedAt>.<activeUntil|w>.<mac>`, numbers in base 36. */
export const seqOf = (token: string): number | undefined => {
  const seq = token.split('.')[2];
  return seq === undefined ? undefined : Number.parseInt(seq, 36);
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const retryable = (e: Exchange) =>
  e.error !== undefined || e.status === 503 || e.status === 500 || codeOf(e) === 'IDEMPOTENCY_KEY_IN_USE';

/** One request as a careful client sends it: same key and body again after a timeout, 5xx or a busy key. */
async function call(
  world: SaleWorld,
  fan: Fan,
  op: string,
  method: string,
  path: string,
  options: { body?: unknown; key?: string; gated?: boolean } = {},
): Promise<Exchange> {
  const giveUpAt = world.history.now() + world.retryBudgetMs;
  for (;;) {
    const app = world.apps[fan.app % world.apps.length]!;
    const headers: Record<string, string> = options.gated && fan.token ? { 'x-queue-token': fan.token } : {};
    const exchange = await world.history.send({
      fan: fan.id,
      op,
      app,
      method,
      path,
      headers,
      timeoutMs: world.timeoutMs,
      ...(options.key ? { key: options.key } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
    });
    if (!retryable(exchange) || world.history.now() > giveUpAt) return exchange;
    if (exchange.error) fan.app += 1; // as a load balancer would: try another process
    const retryAfter = Number(exchange.retryAfter ?? 0) * 1000;
    await sleep(Math.min(2_000, Math.max(retryAfter, 200 + world.random() * 300)));
  }
}

/** Issue (or re-issue), then poll until active. False when the sale ended first. */
async function joinQueue(world: SaleWorld, fan: Fan): Promise<boolean> {
  while (world.history.now() < world.hardStop) {
    fan.firstIssueAt ??= world.history.now();
    const issued = await call(world, fan, 'issue', 'POST', '/waiting/issue', {
      body: { userId: fan.userId },
    });
    if (!isOk(issued)) return false;
    fan.token = (issued.response as { token: string }).token;
    fan.seq = seqOf(fan.token);
    fan.arrival ??= { start: fan.firstIssueAt, end: issued.end };
    while (world.history.now() < world.hardStop) {
      const check = await call(world, fan, 'check', 'GET', '/waiting/check', { gated: true });
      if (check.status === 401) {
        fan.lost.push({
          at: check.end,
          op: 'check',
          code: codeOf(check),
          admitted: fan.firstActiveAt !== undefined,
        });
        break; // the place is gone: join again
      }
      if (!isOk(check)) return false;
      const state = check.response as { active: boolean; refreshAfterSeconds?: number };
      fan.checks.push({
        start: check.start,
        end: check.end,
        app: check.app,
        seq: fan.seq,
        active: state.active,
      });
      if (state.active) {
        fan.firstActiveAt ??= check.end;
        return true;
      }
      const refresh = Math.min(1_000, (state.refreshAfterSeconds ?? 1) * 1000);
      await sleep(refresh * (0.5 + world.random() * 0.5));
    }
  }
  return false;
}

/** A gated write: when the token is lost (401) the fan queues again and retries with the same key. */
async function gatedWrite(
  world: SaleWorld,
  fan: Fan,
  op: string,
  method: string,
  path: string,
  body: unknown,
  key: string,
): Promise<Exchange | undefined> {
  for (let requeues = 0; requeues < 5; requeues++) {
    const exchange = await call(world, fan, op, method, path, { body, key, gated: true });
    if (exchange.status !== 401 || fan.paid) return exchange;
    fan.lost.push({ at: exchange.end, op, code: codeOf(exchange), admitted: true });
    if (!(await joinQueue(world, fan))) return undefined;
  }
  return undefined;
}

/** Pick a free seat and hold it; a few tries against fresh seat maps. */
async function holdSeat(world: SaleWorld, fan: Fan) {
  for (let attempt = 0; attempt < 6 && world.history.now() < world.hardStop; attempt++) {
    const schedule = world.schedules[Math.floor(world.random() * world.schedules.length)]!;
    const { concertId, scheduleId } = schedule;
    const map = await call(
      world,
      fan,
      'seats',
      'GET',
      `/concerts/${concertId}/schedules/${scheduleId}/seats`,
    );
    if (!isOk(map)) continue;
    const free = (map.response as { seats: { seatNumber: number; status: string }[] }).seats.filter(
      (s) => s.status === 'AVAILABLE',
    );
    if (free.length === 0) continue;
    const seatNumber = free[Math.floor(world.random() * free.length)]!.seatNumber;
    const body = { userId: fan.userId, concertId, scheduleId, seatNumber };
    const hold = await gatedWrite(
      world,
      fan,
      'hold',
      'POST',
      '/reservations',
      body,
      `f${fan.id}-hold-${attempt}`,
    );
    if (!hold) return undefined;
    if (hold.status === 201) return hold.response as { reservationId: string; price: number };
    if (codeOf(hold) !== 'SEAT_UNAVAILABLE') return undefined;
  }
  return undefined;
}

/** One fan's sale: queue, hold, top up, pay; sometimes release or refund instead. Returns the outcome. */
export async function runFan(world: SaleWorld, fan: Fan): Promise<string> {
  if (!(await joinQueue(world, fan))) return 'never admitted';
  const held = await holdSeat(world, fan);
  if (!held) return 'no hold';
  const { reservationId, price } = held;
  const write = (op: string, method: string, path: string, body: unknown) =>
    gatedWrite(world, fan, op, method, path, body, `f${fan.id}-${op}`);
  if (world.routes.release && world.random() < 0.15) {
    const release = await write('release', 'DELETE', `/reservations/${reservationId}`, undefined);
    return release && isOk(release) ? 'released' : 'release failed';
  }
  const charge = await write('charge', 'PATCH', `/users/${fan.userId}/charge`, { amount: 50_000 });
  if (!charge || !isOk(charge)) return 'charge failed';
  const payment = await write('pay', 'POST', '/payments', { reservationId, amount: price });
  if (!payment) return 'payment abandoned';
  if (payment.status !== 201) return `payment ${codeOf(payment) ?? payment.status ?? payment.error}`;
  fan.paid = true;
  if (world.routes.refund && world.random() < 0.15) {
    const refund = await write('refund', 'POST', `/reservations/${reservationId}/refund`, {});
    return refund && isOk(refund) ? 'refunded' : 'refund failed';
  }
  return 'paid';
}
