/** Small JSON helpers for a load test's setup steps (not for load: autocannon does that). */
export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface ServerStats {
  sqlQueries: number;
  /** Transactions opened (servers before issue 16 do not report it). */
  sqlTransactions?: number;
  deadlocks: number;
  scheduleCache: { hits: number; misses: number; size: number };
  seatMapCache: { hits: number; misses: number; size: number };
  queue: { waiting: number; active: number };
}

type Counters = ServerStats['scheduleCache'];
const addCounters = (a: Counters, b: Counters): Counters => ({
  hits: a.hits + b.hits,
  misses: a.misses + b.misses,
  size: a.size + b.size,
});

/** The counters of all server processes, added up. */
export async function serverStats(bases: string[]): Promise<ServerStats> {
  const all = await Promise.all(bases.map((base) => getJson<ServerStats>(`${base}/stats`)));
  return all.reduce((sum, s) => ({
    sqlQueries: sum.sqlQueries + s.sqlQueries,
    sqlTransactions: (sum.sqlTransactions ?? 0) + (s.sqlTransactions ?? 0),
    deadlocks: Math.max(sum.deadlocks, s.deadlocks), // one database: every process reports the same count
    scheduleCache: addCounters(sum.scheduleCache, s.scheduleCache),
    seatMapCache: addCounters(sum.seatMapCache, s.seatMapCache),
    queue: s.queue,
  }));
}

export interface Schedule {
  concertId: number;
  scheduleId: number;
}

/** Every schedule of every concert, sold out or not. */
export async function allSchedules(base: string): Promise<Schedule[]> {
  const { concerts } = await getJson<{ concerts: { concertId: number }[] }>(`${base}/concerts`);
  const lists = await Promise.all(
    concerts.map(({ concertId }) =>
      getJson<{ schedules: { scheduleId: number }[] }>(
        `${base}/concerts/${concertId}/schedules?includeSoldOut=true`,
      ).then((r) => r.schedules.map((s) => ({ concertId, scheduleId: s.scheduleId }))),
    ),
  );
  return lists.flat();
}

export interface IssuedToken {
  userId: number;
  token: string;
}

/** Polls until `count` of the tokens (taken in queue order) are active; returns those. */
export async function waitForActive(base: string, tokens: IssuedToken[], count: number, timeoutMs: number) {
  const wanted = tokens.slice(0, count);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(
      wanted.map((t) =>
        fetch(`${base}/waiting/check`, { headers: { 'x-queue-token': t.token } }).then(
          async (r) => r.ok && ((await r.json()) as { active: boolean }).active,
        ),
      ),
    );
    const active = wanted.filter((_, i) => states[i]);
    if (active.length >= count) return active;
    if (Date.now() > deadline) {
      throw new Error(
        `only ${active.length} of ${count} users became active in ${timeoutMs} ms: does the server admit ` +
          'fast enough (QUEUE_ADMIT_PER_TICK, QUEUE_MAX_ACTIVE)?',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
