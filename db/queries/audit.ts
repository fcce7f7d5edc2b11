import { and, asc, desc, eq, gte, lt, lte, type SQL } from "drizzle-orm";
import type Database from "better-sqlite3";
import type { Executor } from "../connection";
import { auditCheckpoints, auditChecks, auditEvents } from "../schema";

export type AuditEventRow = typeof auditEvents.$inferSelect;

type Client = Database.Database;

/** The better-sqlite3 connection behind a drizzle db or transaction (the same one inside a transaction). */
function clientOf(ex: Executor): Client {
  return (ex as unknown as { session: { client: Client } }).session.client;
}

// Appending is the hottest write path: two statements prepared once per connection, not rebuilt per event.
const appendStatements = new WeakMap<Client, { last: Database.Statement; insert: Database.Statement }>();
function statementsOf(ex: Executor) {
  const client = clientOf(ex);
  let s = appendStatements.get(client);
  if (!s) {
    s = {
      last: client.prepare("SELECT id, hash, created_at AS createdAt FROM audit_events ORDER BY id DESC LIMIT 1"),
      insert: client.prepare(
        `INSERT INTO audit_events (id, created_at, actor_id, actor_label, roles, action, subject_type, subject_id, environment, details, request_id, prev_hash, hash)
         VALUES (@id, @createdAt, @actorId, @actorLabel, @roles, @action, @subjectType, @subjectId, @environment, @details, @requestId, @prevHash, @hash)`,
      ),
    };
    appendStatements.set(client, s);
  }
  return s;
}

/** Last event of the chain (id, hash, time), or undefined for an empty log. */
export function lastAuditLink(tx: Executor): { id: number; hash: string; createdAt: number } | undefined {
  return statementsOf(tx).last.get() as { id: number; hash: string; createdAt: number } | undefined;
}

export function insertAuditEvent(tx: Executor, row: AuditEventRow): void {
  statementsOf(tx).insert.run(row);
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

/**
 * created_at never decreases with id (recordAudit keeps it monotonic), so a time range is an id
 * range: two index seeks, then the newest-first page walks the primary key like any other page.
 */
function idRangeOf(db: Executor, f: AuditFilter): { lo?: number; hi?: number } {
  const lo =
    f.from === undefined
      ? undefined
      : (db.select({ id: auditEvents.id }).from(auditEvents).where(gte(auditEvents.createdAt, f.from)).orderBy(asc(auditEvents.createdAt), asc(auditEvents.id)).limit(1).get()?.id ??
        Number.MAX_SAFE_INTEGER);
  const hi =
    f.to === undefined
      ? undefined
      : (db.select({ id: auditEvents.id }).from(auditEvents).where(lte(auditEvents.createdAt, f.to)).orderBy(desc(auditEvents.createdAt), desc(auditEvents.id)).limit(1).get()?.id ?? 0);
  return { lo, hi };
}

function whereOf(db: Executor, f: AuditFilter, beforeId?: number): SQL | undefined {
  const { lo, hi } = idRangeOf(db, f);
  const parts: (SQL | undefined)[] = [
    f.actor ? eq(auditEvents.actorLabel, f.actor) : undefined,
    f.action ? eq(auditEvents.action, f.action) : undefined,
    f.environment ? eq(auditEvents.environment, f.environment) : undefined,
    f.subjectType ? eq(auditEvents.subjectType, f.subjectType) : undefined,
    f.subjectId ? eq(auditEvents.subjectId, f.subjectId) : undefined,
    lo !== undefined ? gte(auditEvents.id, lo) : undefined,
    hi !== undefined ? lte(auditEvents.id, hi) : undefined,
    beforeId !== undefined ? lt(auditEvents.id, beforeId) : undefined,
  ];
  return and(...parts.filter((p): p is SQL => p !== undefined));
}

/** Newest first, keyset-paged by id so a page costs the same at event 10 or 1,000,000. */
export function listAuditEvents(db: Executor, filter: AuditFilter, opts: { before?: number; limit: number }) {
  const rows = db
    .select()
    .from(auditEvents)
    .where(whereOf(db, filter, opts.before))
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
export function iterateAuditChainRows(sqlite: Database.Database, afterId = 0): IterableIterator<unknown[]> {
  return sqlite
    .prepare(
      "SELECT id, created_at, actor_id, actor_label, roles, action, subject_type, subject_id, environment, details, request_id, prev_hash, hash FROM audit_events WHERE id > ? ORDER BY id",
    )
    .raw()
    .iterate(afterId) as IterableIterator<unknown[]>;
}

export type AuditCheckRow = typeof auditChecks.$inferSelect;

export function insertAuditCheck(db: Executor, v: Omit<AuditCheckRow, "id">): void {
  db.insert(auditChecks).values(v).run();
}

export const latestAuditCheck = (db: Executor): AuditCheckRow | undefined =>
  db.select().from(auditChecks).orderBy(desc(auditChecks.id)).limit(1).get();

export type AuditCheckpointRow = typeof auditCheckpoints.$inferSelect;

export function insertAuditCheckpoint(db: Executor, v: AuditCheckpointRow): void {
  db.insert(auditCheckpoints).values(v).run();
}

export const listAuditCheckpoints = (db: Executor): AuditCheckpointRow[] => db.select().from(auditCheckpoints).orderBy(asc(auditCheckpoints.seq)).all();

export const latestAuditCheckpoint = (db: Executor): AuditCheckpointRow | undefined =>
  db.select().from(auditCheckpoints).orderBy(desc(auditCheckpoints.seq)).limit(1).get();


/** The database file behind an executor (":memory:" for an in-memory database). */
export const databaseFileOf = (ex: Executor): string => clientOf(ex).name;

/** One page of raw chain rows in id order (exports page through a million events without holding the connection). */
export function auditChainRowsPage(sqlite: Database.Database, afterId: number, upToId: number, limit: number): unknown[][] {
  return sqlite
    .prepare(
      "SELECT id, created_at, actor_id, actor_label, roles, action, subject_type, subject_id, environment, details, request_id, prev_hash, hash FROM audit_events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?",
    )
    .raw()
    .all(afterId, upToId, limit) as unknown[][];
}

/** The better-sqlite3 connection behind a Drizzle database (for the raw, fast chain readers). */
export const sqliteOf = (ex: Executor): Client => clientOf(ex);

/** How many events have ids up to `upToId` (a bundle announces its count in its header). */
export const countAuditEventsUpTo = (sqlite: Database.Database, upToId: number): number =>
  sqlite.prepare("SELECT count(*) FROM audit_events WHERE id <= ?").pluck().get(upToId) as number;

/** The newest event id, 0 for an empty log. */
export const maxAuditId = (sqlite: Database.Database): number => (sqlite.prepare("SELECT max(id) FROM audit_events").pluck().get() as number | null) ?? 0;
