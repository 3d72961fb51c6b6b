import { afterCommit, type ErrorLog } from '../../after-commit.js';
import type { Clock } from '../../clock.js';
import type { Sql, Tx } from '../../db/client.js';
import type { Operator } from '../../http/admin-auth.js';
import { writeAudit } from './audit.repository.js';

export interface AdminDeps {
  sql: Sql;
  clock: Clock;
  /** TICKET_LIMIT_PER_USER, shown as the effective limit of concerts without their own. */
  defaultTicketLimit: number;
  /** After commit: seat maps and schedule lists of every process drop the schedule. */
  onScheduleChanged(concertId: number, scheduleId: number): Promise<void>;
  log: ErrorLog;
  /** QUEUE_ADMIT_PER_TICK, QUEUE_MAX_ACTIVE and the tick: a sale room's admission without its own controls. */
  queueDefaults: { admitPerTick: number; maxActive: number; tickMs: number };
}

/** What one operator change did, for the audit log and the caches. */
export interface ChangeRecord<T> {
  result: T;
  action: string;
  entity: string;
  entityId: number;
  before: unknown;
  after: unknown;
  /** Schedules whose seats or window changed: their caches are dropped after commit. */
  schedules?: { concertId: number; scheduleId: number }[];
}

export type RunChange = <T>(
  operator: Operator,
  work: (tx: Tx, now: Date) => Promise<ChangeRecord<T>>,
) => Promise<T>;

/**
 * Runs an operator change in one transaction with its audit record (who, when, what,
 * before → after), then tells the caches about the schedules it touched.
 */
export function changeRunner({ sql, clock, onScheduleChanged, log }: AdminDeps): RunChange {
  return async (operator, work) => {
    const now = new Date(clock.now());
    const record = await sql.begin(async (tx) => {
      const done = await work(tx, now);
      await writeAudit(tx, {
        actor: operator.id,
        action: done.action,
        entity: done.entity,
        entityId: done.entityId,
        before: done.before,
        after: done.after,
        at: now,
      });
      return done;
    });
    for (const { concertId, scheduleId } of record.schedules ?? []) {
      await afterCommit(log, 'schedule change notice', () => onScheduleChanged(concertId, scheduleId));
    }
    return record.result;
  };
}
