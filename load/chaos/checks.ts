import type { Sql } from '../../src/db/client.js';
import { OPENING_BALANCE } from '../../src/db/seed.js';
import type { AppCrash } from './apps.js';
import { checkDatabaseInvariants } from './db-invariants.js';
import type { Fan } from './fan.js';
import { codeOf, type Exchange, isOk } from './history.js';
import { type FaultWindows, overlapping } from './windows.js';

/**
 * Who must fix a violation: the queue/outage work of issue 10; `peer down` for a slow
 * answer of a healthy process while another was frozen or killed and restarting (the
 * frozen one holds its row locks; the survivor carries all the load); else this branch.
 */
export type Owner = 'issue 10' | 'peer down' | 'chaos';

export interface Verdict {
  name: string;
  violations: { text: string; owner: Owner }[];
}

const ISSUE_10: Owner = 'issue 10';
const at = (e: Exchange) => `${(e.start / 1000).toFixed(1)}–${(e.end / 1000).toFixed(1)} s`;
const describe = (e: Exchange) =>
  `#${e.id} ${at(e)} fan ${e.fan} ${e.method} ${e.path} on ${e.app} → ${e.status ?? e.error}${codeOf(e) ? ` ${codeOf(e)}` : ''}`;

/** A process must survive its stores going away; a crash is a violation even though the supervisor restarts it. */
export function checkCrashes(crashes: AppCrash[], w: FaultWindows): Verdict {
  return {
    name: 'no app process dies on its own',
    violations: crashes.map((c) => {
      const store = w.store.filter((x) => c.at >= x.from && c.at <= x.to).at(-1);
      return {
        text: `${c.app} exited (${c.exit}) at ${(c.at / 1000).toFixed(1)} s${store ? ` during ${store.label}` : ''}; last output:\n\n\`\`\`\n${c.tail}\n\`\`\``,
        owner: 'chaos' as Owner,
      };
    }),
  };
}

/** Checks on the recorded answers alone: statuses, Retry-After, timeouts. */
export function checkAnswers(history: Exchange[], w: FaultWindows): Verdict[] {
  const storeOwner = (e: Exchange): Owner => (overlapping(e, w.store) ? ISSUE_10 : 'chaos');
  const tag = (e: Exchange, extra = '') => {
    const window = overlapping(e, w.any);
    return `${describe(e)}${window ? ` (during ${window.label})` : ' (no fault active)'}${extra}`;
  };
  const list = (
    name: string,
    bad: Exchange[],
    owner: (e: Exchange) => Owner,
    extra?: (e: Exchange) => string,
  ) => ({
    name,
    violations: bad.map((e) => ({ text: tag(e, extra?.(e)), owner: owner(e) })),
  });
  return [
    list(
      'no 500 (no 5xx other than 503)',
      history.filter((e) => (e.status ?? 0) >= 500 && e.status !== 503),
      storeOwner,
    ),
    list(
      '503 only while a fault is active (or within 5 s after)',
      history.filter((e) => e.status === 503 && !overlapping(e, w.any)),
      () => 'chaos',
    ),
    list(
      'every 503 has Retry-After',
      history.filter((e) => e.status === 503 && !e.retryAfter),
      () => ISSUE_10,
    ),
    list(
      'no request unanswered past its timeout (except on a killed or frozen process)',
      history.filter((e) => e.error === 'timeout' && !overlapping(e, w.appDown.get(e.app))),
      (e) => {
        if (overlapping(e, w.store)) return ISSUE_10;
        const peers = [...w.appDown].filter(([app]) => app !== e.app).flatMap(([, list]) => list);
        return overlapping(e, peers) ? 'peer down' : 'chaos';
      },
      (e) => ` after ${((e.end - e.start) / 1000).toFixed(1)} s`,
    ),
    list(
      'connections refused or reset only by a killed process',
      history.filter((e) => e.error === 'network' && !overlapping(e, w.appDown.get(e.app))),
      storeOwner,
      (e) => ` ${e.errorDetail ?? ''}`,
    ),
  ];
}

/** All 2xx answers to one (fan, operation, key) must be the same answer: one effect, replayed. */
export function checkReplays(history: Exchange[]): Verdict {
  const first = new Map<string, Exchange>();
  const violations: Verdict['violations'] = [];
  for (const e of history) {
    if (!e.key || !isOk(e)) continue;
    const id = `${e.fan}/${e.op}/${e.key}`;
    const earlier = first.get(id);
    if (!earlier) first.set(id, e);
    else if (JSON.stringify(earlier.response) !== JSON.stringify(e.response))
      violations.push({
        text: `${describe(e)} answered differently from #${earlier.id} for key ${e.key}`,
        owner: 'chaos',
      });
  }
  return { name: 'one key, one answer: every 2xx retry replays the first 2xx', violations };
}

/** Every acknowledged write is in the database, once; and no reservation exists without its key. */
export async function checkWrites(
  sql: Sql,
  history: Exchange[],
  userOf: (fan: number) => number,
): Promise<Verdict> {
  const violations: Verdict['violations'] = [];
  const missing = (e: Exchange, what: string) =>
    violations.push({ text: `${describe(e)}: ${what}`, owner: 'chaos' });
  const reservations = new Map(
    (
      await sql<
        { id: string; user_id: number; status: string }[]
      >`SELECT id, user_id, status FROM reservations`
    ).map((r) => [r.id, r]),
  );
  const payments = new Set((await sql<{ id: string }[]>`SELECT id FROM payments`).map((p) => p.id));
  const chargeKeys = new Set(
    (
      await sql<
        { k: string }[]
      >`SELECT user_id || '/' || key AS k FROM idempotency_keys WHERE operation = 'charge'`
    ).map((r) => r.k),
  );
  for (const e of history.filter(isOk)) {
    const body = e.response as { reservationId?: string; paymentId?: string };
    const user = userOf(e.fan);
    if (e.op === 'hold' && reservations.get(body.reservationId ?? '')?.user_id !== user)
      missing(e, 'reservation not in the database');
    if (e.op === 'charge' && !chargeKeys.has(`${user}/${e.key}`))
      missing(e, 'charge not recorded under its key');
    if (e.op === 'pay' && !payments.has(body.paymentId ?? '')) missing(e, 'payment not in the database');
    const status = reservations.get(e.path.split('/')[2] ?? '')?.status;
    if (e.op === 'release' && status === 'ON_HOLD') missing(e, 'reservation still ON_HOLD');
    if (e.op === 'refund' && status === 'CONFIRMED') missing(e, 'reservation still CONFIRMED');
  }
  const phantoms = await sql<{ id: string; user_id: number }[]>`
    SELECT r.id, r.user_id FROM reservations r WHERE NOT EXISTS (
      SELECT 1 FROM idempotency_keys k WHERE k.user_id = r.user_id AND k.operation = 'reserve'
        AND k.response_body->>'reservationId' = r.id::text) LIMIT 20`;
  for (const p of phantoms)
    violations.push({
      text: `reservation ${p.id} of user ${p.user_id} has no stored key: a hold applied twice?`,
      owner: 'chaos',
    });
  return {
    name: 'every acknowledged write (hold, charge, payment, release, refund) is in the database exactly once',
    violations,
  };
}

/** Each fan's balance: opening + acknowledged charges − acknowledged payments (fans whose writes all got answers). */
export async function checkBalances(sql: Sql, history: Exchange[], fans: Fan[]): Promise<Verdict> {
  const rows = await sql<
    { id: number; balance: number }[]
  >`SELECT id, balance FROM users WHERE id = ANY(${fans.map((f) => f.userId)})`;
  const balance = new Map(rows.map((r) => [r.id, r.balance]));
  const lastByKey = new Map<string, Exchange>();
  for (const e of history) if (e.key) lastByKey.set(`${e.fan}/${e.op}/${e.key}`, e);
  const expected = new Map<number, number>();
  const unresolved = new Set<number>();
  for (const e of lastByKey.values()) {
    if (e.status === undefined || e.status >= 500) unresolved.add(e.fan);
    if (!isOk(e)) continue;
    const sign = e.op === 'charge' ? 1 : e.op === 'pay' ? -1 : e.op === 'refund' ? 1 : 0;
    const amount = e.op === 'refund' ? 80_000 : ((e.body as { amount?: number } | undefined)?.amount ?? 0);
    expected.set(e.fan, (expected.get(e.fan) ?? 0) + sign * amount);
  }
  const violations: Verdict['violations'] = [];
  for (const fan of fans) {
    if (unresolved.has(fan.id)) continue;
    const want = OPENING_BALANCE + (expected.get(fan.id) ?? 0);
    const have = balance.get(fan.userId);
    if (have !== want)
      violations.push({
        text: `user ${fan.userId}: balance ${have}, acknowledged history says ${want}`,
        owner: 'chaos',
      });
  }
  return {
    name: `each fan's balance matches its acknowledged charges and payments (${unresolved.size} fans with an unanswered write skipped)`,
    violations,
  };
}

export async function checkDatabase(sql: Sql): Promise<Verdict[]> {
  return (await checkDatabaseInvariants(sql)).map(({ name, violations }) => ({
    name,
    violations: violations.map((text) => ({ text, owner: 'chaos' as Owner })),
  }));
}
