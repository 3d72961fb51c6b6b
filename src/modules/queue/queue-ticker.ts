import type {} from 'fastify';
import type { AdmissionPolicy } from './admission-policy.js';
import type { AdmitResult, QueueSettings, QueueStore, SignedPlace } from './queue-store.js';
import type { TokenClaims } from './queue-token.js';
import { RoomView, type TokenStatus } from './room-view.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** One queue tick of this process now (the interval job runs it; tests call it by hand). */
    queueTick(): Promise<void>;
  }
}

export interface PaidPlace {
  room: string;
  seq: number;
  paidAt: number;
}

export interface OutageLog {
  error(details: object, message: string): void;
  info(message: string): void;
}

/** How a room admits this tick: its own limits (0 per tick: nobody this tick, e.g. paused). */
export interface RoomPlan {
  readonly admitPerTick?: number;
  readonly maxActive?: number;
}

/** Per-sale rooms (src/modules/rooms): their controls and openings join the per-tick work. */
export interface RoomHooks {
  /** Once per tick, before the rooms: refreshes the rooms' state; returns more rooms to tick. */
  refresh(rooms: readonly string[], now: number): Promise<readonly string[]>;
  /** Before a room's admission: runs a due draw, puts drawn places in line (`place`), gives the limits. */
  prepare(room: string, now: number, place: (places: SignedPlace[]) => Promise<void>): Promise<RoomPlan>;
}

export interface QueueTickerDeps {
  store: QueueStore;
  settings: QueueSettings;
  /** Rooms ticked from the start (more join as their tokens are seen). */
  rooms: string[];
  /** Places ended by payments since a time, from where payments live (PostgreSQL). */
  paidSince(since: number): Promise<PaidPlace[]>;
  /** Told of every admission run this process won (metrics). */
  onAdmitted?(room: string, result: AdmitResult): void;
  log: OutageLog;
  hooks?: RoomHooks;
  /** Fixed or adaptive admission rate per room (absent: the room's limits as they are). */
  admission?: AdmissionPolicy;
}

export type QueueTicker = ReturnType<typeof createQueueTicker>;

/** Logs the first failure of an outage and the recovery, not every failed tick in between. */
function outageTracker(what: string, log: OutageLog) {
  let down = false;
  return async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      const result = await work();
      if (down) log.info(`${what}: reachable again`);
      down = false;
      return result;
    } catch (error) {
      if (!down) log.error({ err: error }, `${what}: unreachable; answering from the last tick's state`);
      down = true;
      return undefined;
    }
  };
}

/**
 * A database read of the tick, bounded in time. The queue's own work (liveness, admission,
 * the per-tick view every check is answered from) lives in the queue store and must not
 * wait on PostgreSQL: a query that hangs after PostgreSQL restarts (postgres.js can leave
 * one pending for 10 s and more) froze this process's view while the other processes went
 * on admitting, so its waiters were told "waiting" long after the store had admitted them.
 * A read not done within `budgetMs` is left running and applies its result when it lands;
 * until then no second one starts, and later ticks do not wait for it again.
 */
export function boundedRead(budgetMs: number, what: string, log: OutageLog) {
  let inFlight: Promise<void> | undefined;
  let slow = false; // logged once per episode, like an outage
  return async (work: () => Promise<void>): Promise<void> => {
    if (inFlight) return;
    const flight = work()
      .catch(() => {}) // the work handles its own failures; a stray rejection must not escape
      .finally(() => {
        if (inFlight === flight) inFlight = undefined;
      });
    inFlight = flight;
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([
      flight.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), budgetMs);
      }),
    ]);
    clearTimeout(timer);
    if (late && !slow) log.info(`${what}: no answer within ${budgetMs} ms; the queue ticks on without it`);
    slow = late;
  };
}

/**
 * This process's side of the queue: once per tick and room it sends the liveness it
 * gathered (one command), runs admission (one command; one process per time slot
 * does the work), reads the per-tick state (one command), and reads the places
 * payments ended (one SQL statement). Checks and the gate are then answered from
 * memory until the next tick.
 */
export function createQueueTicker({
  store,
  settings,
  rooms,
  paidSince,
  onAdmitted,
  log,
  hooks,
  admission,
}: QueueTickerDeps) {
  const views = new Map<string, RoomView>();
  const localLiveness = store.localLiveness === true;
  const viaStore = outageTracker('queue store', log);
  const viaDatabase = outageTracker('revocations from PostgreSQL', log);
  let paidWatermark: number | undefined;
  // The database's part of a tick waits at most this long (at least a second: a healthy but busy
  // PostgreSQL still answers within it, so a tick's revocations stay "within a tick").
  const databaseBudgetMs = Math.max(settings.tickMs, 1000);
  const revocationsRead = boundedRead(databaseBudgetMs, 'revocations from PostgreSQL', log);
  const roomsRead = boundedRead(databaseBudgetMs, 'sale rooms from PostgreSQL', log);
  const listeners = new Set<(now: number) => void>();

  function view(room: string): RoomView {
    let found = views.get(room);
    if (!found) {
      found = new RoomView(settings);
      views.set(room, found);
    }
    return found;
  }
  for (const room of rooms) view(room);

  async function tickRoom(room: string, current: RoomView, now: number): Promise<void> {
    const pending = current.takePending();
    const active = current.takeActivePending();
    await viaStore(() => store.touch(room, pending, now, active));
    const place = async (places: SignedPlace[]) => {
      await store.touch(room, places, now);
    };
    const plan = hooks ? await viaDatabase(() => hooks.prepare(room, now, place)) : {};
    // Without its plan (PostgreSQL down) a sale's room admits nobody this tick rather than ignore a pause.
    const own = plan ?? { admitPerTick: 0 };
    const limits = admission ? admission.plan(room, own, now) : own;
    const admitted = await viaStore(() =>
      store.admit(room, now, { floorSeq: current.maxSeq, floorBoundary: current.boundary, ...limits }),
    );
    if (admitted?.ran) onAdmitted?.(room, admitted);
    const state = await viaStore(() => store.view(room, current.droppedSince));
    if (state && current.apply(state, now)) {
      // The store lost its data: put back every waiter this process knows, at their signed place.
      await viaStore(() => store.touch(room, current.knownWaiters(now), now));
    }
  }

  async function readRevocations(now: number): Promise<void> {
    // Overlap reads by a few seconds: a payment committed late with an earlier time is still seen.
    const since = Math.max(paidWatermark ?? 0, now - settings.activeTtlMs) - 5000;
    const paid = await viaDatabase(() => paidSince(since));
    if (!paid) return;
    for (const { room, seq, paidAt } of paid) {
      view(room).revoke(seq, paidAt);
      paidWatermark = Math.max(paidWatermark ?? 0, paidAt);
    }
    paidWatermark ??= now - settings.activeTtlMs;
  }

  return {
    tickMs: settings.tickMs,
    view,
    /** The rooms this process ticks. */
    rooms: (): string[] => [...views.keys()],
    status(claims: TokenClaims, now: number): TokenStatus {
      return view(claims.room).status(claims, now, localLiveness);
    },
    async tick(now: number): Promise<void> {
      // Revocations first, so a paid place is never flushed back into the line. Both reads are
      // bounded; one that lands late is still safe for that: a paid place was admitted (seq ≤
      // the boundary), and neither the liveness flush nor the store puts such a seq back.
      await Promise.all([
        revocationsRead(() => readRevocations(now)),
        hooks &&
          roomsRead(async () => {
            const more = await viaDatabase(() => hooks.refresh([...views.keys()], now));
            for (const room of more ?? []) view(room);
          }),
      ]);
      await Promise.all([...views].map(([room, current]) => tickRoom(room, current, now)));
      for (const listener of listeners) listener(now);
    },
    /** Called after every tick (the SSE streams recompute from the new state). */
    onTick(listener: (now: number) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
