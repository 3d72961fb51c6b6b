import { connect } from '../../src/db/client.js';

export interface PgWait {
  at: number;
  state: string;
  wait: string;
  seconds: number;
  query: string;
}

/**
 * Samples pg_stat_activity once a second: sessions busy or idle in a transaction for
 * over a second, with what they wait on. When requests time out with every store up,
 * this says why (a lock held by a frozen process, a pool stuck on one query).
 */
export function samplePgWaits(url: string, now: () => number): { stop(): Promise<PgWait[]> } {
  const db = connect(url, { max: 1 });
  const waits: PgWait[] = [];
  const timer = setInterval(async () => {
    try {
      const rows = await db.sql<{ state: string; wait: string; seconds: number; query: string }[]>`
        SELECT state, coalesce(wait_event_type || ':' || wait_event, '') AS wait,
               extract(epoch FROM clock_timestamp() - coalesce(xact_start, query_start))::float AS seconds,
               left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS query
        FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND state <> 'idle'
          AND clock_timestamp() - coalesce(xact_start, query_start) > interval '1 second'`;
      for (const row of rows) waits.push({ at: now(), ...row });
    } catch {
      // PostgreSQL is down (a fault): nothing to sample.
    }
  }, 1_000);
  return {
    async stop() {
      clearInterval(timer);
      await db.close();
      return waits;
    },
  };
}
