import { and, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import type Database from "better-sqlite3";
import type { Executor } from "../connection";
import { auditEvents } from "../schema";

export type AuditEventRow = typeof auditEvents.$inferSelect;

/** Last event of the chain (id and hash), or undefined for an empty log. */
export function lastAuditLink(tx: Executor): { id: number; hash: string } | undefined {
  return tx
    .select({ id: auditEvents.id, hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1)
    .get();
}

export function insertAuditEvent(tx: Executor, row: AuditEventRow): void {
  tx.insert(auditEvents).values(row).run();
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  environment?: string;
  subjectType?: string;
  subjectId?: string;
  from?: number;
  to?: number;
}

function whereOf(f: AuditFilter, beforeId?: number): SQL | undefined {
  const parts: (SQL | undefined)[] = [
    f.actor ? eq(auditEvents.actorLabel, f.actor) : undefined,
    f.action ? eq(auditEvents.action, f.action) : undefined,
    f.environment ? eq(auditEvents.environment, f.environment) : undefined,
    f.subjectType ? eq(auditEvents.subjectType, f.subjectType) : undefined,
    f.subjectId ? eq(auditEvents.subjectId, f.subjectId) : undefined,
    f.from !== undefined ? gte(auditEvents.createdAt, f.from) : undefined,
    f.to !== undefined ? lte(auditEvents.createdAt, f.to) : undefined,
    beforeId !== undefined ? lt(auditEvents.id, beforeId) : undefined,
  ];
  return and(...parts.filter((p): p is SQL => p !== undefined));
}

/** Newest first, keyset-paged by id so a page costs the same at event 10 or 1,000,000. */
export function listAuditEvents(db: Executor, filter: AuditFilter, opts: { before?: number; limit: number }) {
  const rows = db
    .select()
    .from(auditEvents)
    .where(whereOf(filter, opts.before))
    .orderBy(desc(auditEvents.id))
    .limit(opts.limit + 1)
    .all();
  const hasMore = rows.length > opts.limit;
  const page = hasMore ? rows.slice(0, opts.limit) : rows;
  return { events: page, nextBefore: hasMore ? page[page.length - 1]?.id : undefined };
}

/** Walks every matching event, newest first, in bounded pages (exports never load all at once). */
export function* iterateAuditEvents(db: Executor, filter: AuditFilter, pageSize = 2000): Generator<AuditEventRow> {
  let before: number | undefined;
  for (;;) {
    const { events, nextBefore } = listAuditEvents(db, filter, { before, limit: pageSize });
    yield* events;
    if (nextBefore === undefined) return;
    before = nextBefore;
  }
}

/** Raw rows in id order for chain verification: the fastest path better-sqlite3 offers. */
export function iterateAuditChainRows(sqlite: Database.Database): IterableIterator<unknown[]> {
  return sqlite
    .prepare(
      "SELECT id, created_at, actor_id, actor_label, roles, action, subject_type, subject_id, environment, details, request_id, prev_hash, hash FROM audit_events ORDER BY id",
    )
    .raw()
    .iterate() as IterableIterator<unknown[]>;
}
