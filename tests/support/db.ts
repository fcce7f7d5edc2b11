import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type Database from "better-sqlite3";
import { type Db, getDb, getSqlite, openDatabase } from "@/db/connection";
import { findUserByEmail, grantRole, insertUser, rolesOfUser } from "@/db/queries/users";
import { seedDemo } from "@/db/seed";
import type { Actor } from "@/lib/domain/actor";
import { ROLES, type Role } from "@/lib/domain/roles";

/** A fresh temp directory removed by the returned cleanup function. */
export function makeTempDir(prefix = "flightdeck-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Builds a migrated, demo-seeded database once (scrypt makes seeding slow) and checkpoints it
 * so a plain file copy is a complete, independent database.
 */
export async function buildSeededTemplate(dir: string): Promise<string> {
  const file = path.join(dir, "template.db");
  const { db, sqlite } = openDatabase(file);
  await seedDemo(db);
  sqlite.pragma("wal_checkpoint(TRUNCATE)");
  sqlite.close();
  return file;
}

let counter = 0;

/**
 * Points FLIGHTDECK_DB at a new file (a copy of `template` when given) and returns the process
 * connection the services will use (getDb caches per path, so a new path means a new database).
 */
export function useFreshDb(dir: string, template?: string): { db: Db; sqlite: Database.Database; file: string } {
  const file = path.join(dir, `db-${process.pid}-${++counter}.db`);
  if (template) copyFileSync(template, file);
  process.env.FLIGHTDECK_DB = file;
  return { db: getDb(), sqlite: getSqlite(), file };
}

/** Closes the connection of the current FLIGHTDECK_DB (call after each test). */
export function closeCurrentDb(): void {
  getSqlite().close();
}

/** The actor a request of this user would carry: roles loaded from the database. */
export function actorFor(db: Db, email: string): Actor {
  const user = findUserByEmail(db, email);
  if (!user) throw new Error(`no user ${email}`);
  const roles = rolesOfUser(db, user.id).filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  return { kind: "user", id: user.id, email: user.email, name: user.name, roles };
}

/** Inserts a (non-demo) user with roles directly, bypassing services; for test setup only. */
export function insertUserWithRoles(db: Db, email: string, roles: Role[], opts: { passwordHash?: string | null; demo?: boolean } = {}): Actor {
  const now = Date.now();
  const user = insertUser(db, { email, name: email.split("@")[0]!, passwordHash: opts.passwordHash ?? null, demo: opts.demo ?? false, createdAt: now });
  for (const role of roles) grantRole(db, { userId: user.id, role, grantedBy: null, at: now });
  return { kind: "user", id: user.id, email: user.email, name: user.name, roles };
}

/** Every row of every application table, to prove that a refused call wrote nothing. */
export function snapshot(sqlite: Database.Database): Record<string, unknown[]> {
  const tables = sqlite
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%' ORDER BY name")
    .pluck()
    .all() as string[];
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = sqlite.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
  return out;
}

type RawAuditRow = {
  id: number;
  created_at: number;
  actor_id: number | null;
  actor_label: string;
  roles: string;
  action: string;
  subject_type: string | null;
  subject_id: string | null;
  environment: string | null;
  details: string;
  request_id: string | null;
  prev_hash: string;
  hash: string;
};

/** Audit events in id order, with roles and details parsed. */
export function auditEvents(sqlite: Database.Database, afterId = 0) {
  return (sqlite.prepare("SELECT * FROM audit_events WHERE id > ? ORDER BY id").all(afterId) as RawAuditRow[]).map((r) => ({
    id: r.id,
    createdAt: r.created_at,
    actorId: r.actor_id,
    actorLabel: r.actor_label,
    roles: JSON.parse(r.roles) as string[],
    action: r.action,
    subjectType: r.subject_type,
    subjectId: r.subject_id,
    environment: r.environment,
    details: JSON.parse(r.details) as Record<string, unknown>,
    requestId: r.request_id,
  }));
}

export function lastAuditId(sqlite: Database.Database): number {
  return (sqlite.prepare("SELECT coalesce(max(id), 0) FROM audit_events").pluck().get() as number) ?? 0;
}

/**
 * Runs a call that must be refused and proves it wrote nothing: every application table is
 * identical before and after (no state row, no audit event, no sign-in attempt).
 */
export async function expectRefusedWithoutWrites(
  sqlite: Database.Database,
  run: () => unknown,
  errorClass: abstract new (...args: never[]) => Error,
  message?: string | RegExp,
): Promise<Error> {
  const before = snapshot(sqlite);
  let caught: unknown;
  try {
    await run();
  } catch (err) {
    caught = err;
  }
  if (!(caught instanceof errorClass)) {
    throw new Error(`expected ${errorClass.name}, got ${caught instanceof Error ? `${caught.constructor.name}: ${caught.message}` : String(caught)}`);
  }
  if (message !== undefined) {
    const text = caught.message;
    if (typeof message === "string" ? !text.includes(message) : !message.test(text)) throw new Error(`unexpected message: ${text}`);
  }
  const after = snapshot(sqlite);
  for (const table of Object.keys(before)) {
    if (JSON.stringify(after[table]) !== JSON.stringify(before[table])) throw new Error(`table ${table} changed although the call was refused`);
  }
  return caught;
}
