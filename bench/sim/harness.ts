import type { Clock } from '../../src/clock.js';
import { MemoryQueueStore } from '../../src/modules/queue/memory-queue-store.js';
import { createQueueService, type QueueService } from '../../src/modules/queue/queue.service.js';
import type { QueueSettings } from '../../src/modules/queue/queue-store.js';
import {
  createQueueTicker,
  type QueueTicker,
  type QueueTickerDeps,
} from '../../src/modules/queue/queue-ticker.js';
import { createTokenSigner } from '../../src/modules/queue/queue-token.js';

export const T0 = Date.parse('2026-11-22T10:00:00.000Z');

/** A seeded generator (the same numbers every run). */
export function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** The real queue (memory store, ticker, service) on a virtual clock. */
export function virtualQueue(
  settings: QueueSettings,
  extra: Partial<Omit<QueueTickerDeps, 'store' | 'settings'>> = {},
): { clock: Clock & { at: number }; queue: QueueService; ticker: QueueTicker } {
  const clock = { at: T0, now: () => clock.at };
  const store = new MemoryQueueStore(settings, 'main');
  const ticker = createQueueTicker({
    store,
    settings,
    rooms: ['main'],
    paidSince: async () => [],
    log: { error: () => {}, info: () => {} },
    ...extra,
  });
  const queue = createQueueService({
    store,
    ticker,
    signer: createTokenSigner('simulation-secret-0123'),
    clock,
    userExists: async () => true,
    room: 'main',
    idleTimeoutSeconds: settings.idleTimeoutMs / 1000,
  });
  return { clock, queue, ticker };
}

/** Work scheduled on the virtual clock, in steps. */
export class Agenda {
  private readonly slots = new Map<number, (() => Promise<void> | void)[]>();
  constructor(private readonly stepMs: number) {}

  at(time: number, work: () => Promise<void> | void): void {
    const slot = Math.ceil(time / this.stepMs);
    const list = this.slots.get(slot);
    if (list) list.push(work);
    else this.slots.set(slot, [work]);
  }

  async run(time: number): Promise<void> {
    const slot = Math.ceil(time / this.stepMs);
    const list = this.slots.get(slot);
    if (!list) return;
    this.slots.delete(slot);
    for (const work of list) await work();
  }

  get size(): number {
    return this.slots.size;
  }
}
