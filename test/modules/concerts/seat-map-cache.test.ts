import { describe, expect, it } from 'vitest';
import type { StoredSeatMap } from '../../../src/modules/concerts/concerts.repository.js';
import { PENDING_SHARE_MS, SeatMapCache } from '../../../src/modules/concerts/seat-map-cache.js';

const map = (): StoredSeatMap => ({
  concertId: 1,
  salesOpenAt: null,
  salesCloseAt: null,
  seats: [1, 2, 3].map((seatNumber) => ({
    seatNumber,
    price: 80_000,
    status: 'AVAILABLE',
    holdExpiresAt: null,
    section: 'A',
    label: `A-${seatNumber}`,
  })),
});
const sold = { seatNumber: 2, price: 80_000, status: 'RESERVED' as const, holdExpiresAt: null };

describe('seat-map cache', () => {
  it('serves an entry only at its version and reloads after another version', async () => {
    const cache = new SeatMapCache(10_000);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return map();
    };
    await cache.get(1, 0, 0, load);
    await cache.get(1, 0, 5, load);
    expect(loads).toBe(1);
    await cache.get(1, 1, 5, load); // someone else's write
    expect(loads).toBe(2);
    await cache.get(1, 1, 10_005, load); // too old, whatever the version
    expect(loads).toBe(3);
  });

  it('applies its own write in place; the entry keeps serving exact reads only if no other version came between', async () => {
    const cache = new SeatMapCache(10_000);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return map();
    };
    await cache.get(1, 4, 0, load);
    cache.apply(1, 5, sold);
    const patched = await cache.get(1, 5, 1, load);
    expect(loads).toBe(1);
    expect(patched?.seats[1]).toEqual({ ...sold, section: 'A', label: 'A-2' });

    cache.apply(1, 7, { ...sold, seatNumber: 3 }); // version 6 came from elsewhere: unknown change
    expect(cache.peek(1)?.seats[2]).toMatchObject({ status: 'RESERVED' }); // still a fact for refusals
    await cache.get(1, 7, 2, load);
    expect(loads).toBe(2); // but not served as the exact map of version 7
  });

  it('forgets a loaded map that proved out of date, so the next read loads', async () => {
    const cache = new SeatMapCache(10_000);
    await cache.get(1, 0, 0, async () => map());
    cache.forget(1);
    expect(cache.peek(1)).toBeUndefined();
  });

  it('drops an entry still loading when a write lands', async () => {
    const cache = new SeatMapCache(10_000);
    let release: (value: StoredSeatMap) => void = () => {};
    const pending = cache.get(1, 0, 0, () => new Promise((resolve) => (release = resolve)));
    cache.apply(1, 1, sold);
    release(map());
    await pending;
    let loads = 0;
    await cache.get(1, 1, 1, async () => {
      loads += 1;
      return map();
    });
    expect(loads).toBe(1);
  });

  // Found by `npm run chaos`: a load that never settled (a query lost in a PostgreSQL
  // restart) was handed to every reader of that schedule for 10 s after PostgreSQL was back.
  it('shares a running load only while it is young, so one that hangs does not hang later readers', async () => {
    const cache = new SeatMapCache(10_000);
    let loads = 0;
    const hung = () => {
      loads += 1;
      return new Promise<StoredSeatMap | undefined>(() => {});
    };
    void cache.get(1, 0, 0, hung);
    void cache.get(1, 0, PENDING_SHARE_MS - 1, hung);
    expect(loads).toBe(1);
    const fresh = await cache.get(1, 0, PENDING_SHARE_MS, async () => {
      loads += 1;
      return map();
    });
    expect(loads).toBe(2);
    expect(fresh).toEqual(map());
    await cache.get(1, 0, 5_000, hung); // the finished load serves again, at any age below maxAgeMs
    expect(loads).toBe(2);
  });
});
