import type { Queryable, Tx } from '../../db/client.js';

export interface AuditRecord {
  actor: string;
  action: string;
  entity: string;
  entityId: string | number;
  before: unknown;
  after: unknown;
  at: Date;
}

type Json = Parameters<Tx['json']>[0];

/** Written in the change's own transaction: no change without its record, no record without its change. */
export async function writeAudit(tx: Tx, record: AuditRecord): Promise<void> {
  const json = (value: unknown) => (value === null || value === undefined ? null : tx.json(value as Json));
  await tx`
    INSERT INTO audit_log (at, actor, action, entity, entity_id, before, after)
    VALUES (${record.at}, ${record.actor}, ${record.action}, ${record.entity}, ${String(record.entityId)},
            ${json(record.before)}, ${json(record.after)})`;
}

export interface AuditFilter {
  limit: number;
  before?: number;
  entity?: string;
  entityId?: string;
}

export interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

/** Newest first, keyset-paged by id (stable while new entries arrive). */
export async function readAudit(
  db: Queryable,
  { limit, before, entity, entityId }: AuditFilter,
): Promise<AuditRow[]> {
  return db<AuditRow[]>`
    SELECT id, at, actor, action, entity, entity_id AS "entityId", before, after FROM audit_log
    WHERE (${before ?? null}::bigint IS NULL OR id < ${before ?? null}::bigint)
      AND (${entity ?? null}::text IS NULL OR entity = ${entity ?? null}::text)
      AND (${entityId ?? null}::text IS NULL OR entity_id = ${entityId ?? null}::text)
    ORDER BY id DESC LIMIT ${limit}`;
}
