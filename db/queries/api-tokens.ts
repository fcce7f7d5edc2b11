import { and, desc, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { Executor } from "../connection";
import { apiTokens, users } from "../schema";

export type ApiTokenRow = typeof apiTokens.$inferSelect;

export function insertApiToken(db: Executor, v: Omit<typeof apiTokens.$inferInsert, "id">): ApiTokenRow {
  return db.insert(apiTokens).values(v).returning().get();
}

export function findApiToken(db: Executor, id: number): ApiTokenRow | undefined {
  return db.select().from(apiTokens).where(eq(apiTokens.id, id)).get();
}

/** The token whose secret hashes to `tokenHash` (unique index): the only lookup authentication does. */
export function findApiTokenByHash(db: Executor, tokenHash: string): ApiTokenRow | undefined {
  return db.select().from(apiTokens).where(eq(apiTokens.tokenHash, tokenHash)).get();
}

/** Tokens neither revoked nor expired at `now`. */
export function countActiveApiTokens(db: Executor, userId: number, now: number): number {
  return db
    .select({ id: apiTokens.id })
    .from(apiTokens)
    .where(and(eq(apiTokens.userId, userId), isNull(apiTokens.revokedAt), gt(apiTokens.expiresAt, now)))
    .all().length;
}

export interface ApiTokenListRow extends ApiTokenRow {
  ownerEmail: string;
  ownerName: string;
}

/** One person's tokens (or everyone's when `userId` is null), newest first, with the owner. */
export function listApiTokens(db: Executor, userId: number | null): ApiTokenListRow[] {
  return db
    .select({ token: apiTokens, ownerEmail: users.email, ownerName: users.name })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(userId === null ? undefined : eq(apiTokens.userId, userId))
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id))
    .all()
    .map((r) => ({ ...r.token, ownerEmail: r.ownerEmail, ownerName: r.ownerName }));
}

/** Returns false when the token was already revoked. */
export function revokeApiTokenRow(db: Executor, id: number, by: number, at: number): boolean {
  return (
    db
      .update(apiTokens)
      .set({ revokedAt: at, revokedBy: by })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .run().changes > 0
  );
}

/**
 * Bookkeeping, not an audited change: when and from where a token was last used. The condition
 * keeps it to one write per token and `minIntervalMs` even across processes.
 */
export function touchApiToken(db: Executor, id: number, v: { at: number; address: string; minIntervalMs: number }): boolean {
  return (
    db
      .update(apiTokens)
      .set({ lastUsedAt: v.at, lastUsedAddress: v.address })
      .where(and(eq(apiTokens.id, id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, v.at - v.minIntervalMs + 1))))
      .run().changes > 0
  );
}
