import { and, eq, lt } from "drizzle-orm";
import type { Executor } from "@/db/connection";
import { idempotencyKeys } from "@/db/schema";

export type IdempotencyRow = typeof idempotencyKeys.$inferSelect;

export function findIdempotencyKey(db: Executor, principal: string, key: string): IdempotencyRow | undefined {
  return db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.principal, principal), eq(idempotencyKeys.key, key))).get();
}

/** Claims a key (status null: being answered); false when another request holds it already. */
export function claimIdempotencyKey(db: Executor, row: { principal: string; key: string; fingerprint: string; createdAt: number }): boolean {
  const r = db.insert(idempotencyKeys).values(row).onConflictDoNothing().run();
  return r.changes === 1;
}

export function completeIdempotencyKey(db: Executor, id: number, status: number, response: string): void {
  db.update(idempotencyKeys).set({ status, response }).where(eq(idempotencyKeys.id, id)).run();
}

export function releaseIdempotencyKey(db: Executor, id: number): void {
  db.delete(idempotencyKeys).where(eq(idempotencyKeys.id, id)).run();
}

/** Forgets keys older than `before` (24 h: their requests may run again). */
export function pruneIdempotencyKeys(db: Executor, before: number): void {
  db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).run();
}
