import { and, asc, desc, eq, gt, inArray } from "drizzle-orm";
import type { Executor } from "../connection";
import { signInAttempts, userRoles, users } from "../schema";

export type UserRow = typeof users.$inferSelect;

export function findUserByEmail(db: Executor, email: string): UserRow | undefined {
  return db.select().from(users).where(eq(users.email, email)).get();
}

export function findUserById(db: Executor, id: number): UserRow | undefined {
  return db.select().from(users).where(eq(users.id, id)).get();
}

export function rolesOfUser(db: Executor, userId: number): string[] {
  return db
    .select({ role: userRoles.role })
    .from(userRoles)
    .where(eq(userRoles.userId, userId))
    .orderBy(asc(userRoles.role))
    .all()
    .map((r) => r.role);
}

export function listUsersWithRoles(db: Executor) {
  const all = db.select().from(users).orderBy(asc(users.email)).all();
  const roleRows = all.length
    ? db
        .select()
        .from(userRoles)
        .where(
          inArray(
            userRoles.userId,
            all.map((u) => u.id),
          ),
        )
        .all()
    : [];
  return all.map((u) => ({
    ...u,
    roles: roleRows
      .filter((r) => r.userId === u.id)
      .map((r) => r.role)
      .sort(),
  }));
}

/** Whether any account exists (decides demo seeding). */
export function hasUsers(db: Executor): boolean {
  return db.select({ id: users.id }).from(users).limit(1).all().length > 0;
}

export function insertUser(
  db: Executor,
  v: { email: string; name: string; passwordHash: string | null; demo?: boolean; createdAt: number },
): UserRow {
  return db.insert(users).values(v).returning().get();
}

export function setUserDisabled(db: Executor, id: number, disabled: boolean): void {
  db.update(users)
    .set({ disabled })
    .where(eq(users.id, id))
    .run();
}

export function setUserPassword(db: Executor, id: number, passwordHash: string): void {
  db.update(users).set({ passwordHash }).where(eq(users.id, id)).run();
}

/** Returns false when the user already held the role. */
export function grantRole(db: Executor, v: { userId: number; role: string; grantedBy: number | null; at: number }) {
  const res = db
    .insert(userRoles)
    .values({ userId: v.userId, role: v.role, grantedBy: v.grantedBy, grantedAt: v.at })
    .onConflictDoNothing()
    .run();
  return res.changes > 0;
}

/** Returns false when the user did not hold the role. */
export function revokeRole(db: Executor, userId: number, role: string): boolean {
  return db.delete(userRoles).where(and(eq(userRoles.userId, userId), eq(userRoles.role, role))).run().changes > 0;
}

/** 0 or 1: whether any user exists (decides demo seeding). */
/** Enabled accounts holding the role that can sign in now (demo accounts only count in demo mode). */
export function countUsersWithRole(db: Executor, role: string, opts: { includeDemo: boolean }): number {
  return db
    .select({ userId: userRoles.userId })
    .from(userRoles)
    .innerJoin(users, eq(users.id, userRoles.userId))
    .where(and(eq(userRoles.role, role), eq(users.disabled, false), opts.includeDemo ? undefined : eq(users.demo, false)))
    .all().length;
}

export function recordSignInAttempt(db: Executor, v: { email: string; address: string; success: boolean; at: number }) {
  db.insert(signInAttempts).values(v).run();
}

/** Failures from this address for this account since its last success within the window, newest first. */
export function recentFailures(db: Executor, email: string, address: string, since: number): number[] {
  const rows = db
    .select({ at: signInAttempts.at, success: signInAttempts.success })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.email, email), eq(signInAttempts.address, address), gt(signInAttempts.at, since)))
    .orderBy(desc(signInAttempts.at))
    .all();
  const out: number[] = [];
  for (const r of rows) {
    if (r.success) break;
    out.push(r.at);
  }
  return out;
}
