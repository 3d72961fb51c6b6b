import { randomUUID } from 'node:crypto';
import type { Schedule } from '../lib/api.js';

/** One request of the soak: what it was, how long it took, how it ended. */
export interface Outcome {
  op: string;
  at: number;
  ms: number;
  status: number;
}

export interface DriverOptions {
  url: string;
  users: number;
  /** Fan journeys started per second, whether earlier ones have finished or not (open loop). */
  journeysPerSecond: number;
  /** Journeys in flight at most; past it a start is skipped and counted (the server is overloaded). */
  maxInFlight: number;
  schedules: Schedule[];
  /** Routes this server has (release and refund are optional). */
  routes: { release: boolean; refund: boolean };
  record(outcome: Outcome): void;
}

const PRICE = 80_000;
const json = { 'content-type': 'application/json' };

/**
 * Fans at a fixed rate, each through the whole journey: issue, check until admitted,
 * charge, hold a free seat, then release it (one in five) or pay for it, and refund one
 * paid seat in five. Released and refunded seats go back into the pool of free seats.
 */
export function startDriver(options: DriverOptions) {
  const freeSeats = options.schedules.flatMap((schedule) =>
    Array.from({ length: 50 }, (_, i) => ({ ...schedule, seatNumber: i + 1 })),
  );
  let nextUser = 0;
  let inFlight = 0;
  let skipped = 0;
  let stopped = false;
  const busyUsers = new Set<number>();

  async function call(
    op: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const started = Date.now();
    let status = 0;
    let answer: Record<string, unknown> = {};
    try {
      const response = await fetch(`${options.url}${path}`, {
        method,
        headers: body === undefined ? headers : { ...json, ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      status = response.status;
      answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    } finally {
      options.record({ op, at: started, ms: Date.now() - started, status });
    }
    return { status, body: answer };
  }

  async function activeToken(userId: number): Promise<string | undefined> {
    const issued = await call('issue', 'POST', '/waiting/issue', { userId });
    const token = issued.body.token as string | undefined;
    if (!token) return undefined;
    for (let polls = 0; polls < 150 && !stopped; polls++) {
      const checked = await call('check', 'GET', '/waiting/check', undefined, { 'x-queue-token': token });
      if (checked.body.active === true) return token;
      if (checked.status !== 200) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return undefined;
  }

  async function journey(userId: number): Promise<void> {
    const token = await activeToken(userId);
    if (!token) return;
    const auth = (extra: Record<string, string> = {}) => ({ 'x-queue-token': token, ...extra });
    await call('balance', 'GET', `/users/${userId}/amount`, undefined, auth());
    const charged = await call(
      'charge',
      'PATCH',
      `/users/${userId}/charge`,
      { amount: PRICE },
      auth({ 'idempotency-key': randomUUID() }),
    );
    if (charged.status !== 200) return; // e.g. the month's limit: this fan is done
    const seat = freeSeats.shift();
    if (!seat) return;
    const held = await call(
      'hold',
      'POST',
      '/reservations',
      { userId, ...seat },
      auth({ 'idempotency-key': randomUUID() }),
    );
    const reservationId = held.body.reservationId as string | undefined;
    if (held.status !== 201 || !reservationId) return;
    if (options.routes.release && Math.random() < 0.2) {
      const released = await call(
        'release',
        'DELETE',
        `/reservations/${reservationId}`,
        undefined,
        auth({ 'idempotency-key': randomUUID() }),
      );
      if (released.status === 200 || released.status === 204) freeSeats.push(seat);
      return;
    }
    const paid = await call(
      'pay',
      'POST',
      '/payments',
      { reservationId, amount: PRICE },
      auth({ 'idempotency-key': randomUUID() }),
    );
    if (paid.status !== 201 || !options.routes.refund || Math.random() >= 0.2) return;
    // The payment ended this queue session; a refund is a new visit.
    const again = await activeToken(userId);
    if (!again) return;
    const refunded = await call('refund', 'POST', `/reservations/${reservationId}/refund`, undefined, {
      'x-queue-token': again,
      'idempotency-key': randomUUID(),
    });
    if (refunded.status === 200 || refunded.status === 201) freeSeats.push(seat);
  }

  const timer = setInterval(() => {
    if (inFlight >= options.maxInFlight) {
      skipped += 1;
      return;
    }
    // The next user not already on a journey: one journey per user at a time, as a person would.
    let userId = (nextUser++ % options.users) + 1;
    for (let tries = 0; busyUsers.has(userId) && tries < options.users; tries++)
      userId = (nextUser++ % options.users) + 1;
    inFlight += 1;
    busyUsers.add(userId);
    journey(userId)
      .catch(() => {}) // recorded as status 0 by `call`
      .finally(() => {
        inFlight -= 1;
        busyUsers.delete(userId);
      });
  }, 1000 / options.journeysPerSecond);

  return {
    freeSeats: () => freeSeats.length,
    skipped: () => skipped,
    /** Stops starting journeys and waits (bounded) for those in flight. */
    async stop() {
      stopped = true;
      clearInterval(timer);
      for (let waited = 0; inFlight > 0 && waited < 30_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
