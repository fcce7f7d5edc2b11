import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { DEMO_PASSWORD } from "@/db/seed";
import { verifyAuditChain } from "@/lib/audit/verify";
import { hashPassword } from "@/lib/domain/password";
import { signInWithPassword } from "@/lib/services/auth/sign-in-with-password";
import { auditEvents, buildSeededTemplate, closeCurrentDb, insertUserWithRoles, lastAuditId, makeTempDir, useFreshDb } from "../support/db";

// lib/env parses once per process (one vitest fork per file): this file runs with demo mode off
// and the default throttle (5 failures per 15 minutes).
process.env.FLIGHTDECK_DEMO = "0";
delete process.env.SIGNIN_MAX_FAILURES;
delete process.env.SIGNIN_WINDOW_MINUTES;

const EMAIL = "pat@example.com";
const PASSWORD = "correct horse battery";
// After the seed events: audit time never runs backwards (recordAudit keeps created_at monotonic).
const T0 = Date.UTC(2030, 0, 15, 9, 0, 0);
const MIN = 60_000;

const tmp = makeTempDir();
let template = "";
let passwordHash = "";
let db: Db;
let sqlite: Database.Database;
let patId = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
  passwordHash = await hashPassword(PASSWORD);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  patId = insertUserWithRoles(db, EMAIL, ["oncall", "viewer"], { passwordHash }).id;
});
afterEach(() => closeCurrentDb());

const attempts = () => sqlite.prepare("SELECT email, address, success, at FROM sign_in_attempts ORDER BY id").all() as { email: string; address: string; success: number; at: number }[];

describe("signInWithPassword", () => {
  it("success: returns the user and audits auth.sign_in with the user's roles", async () => {
    const before = lastAuditId(sqlite);
    await expect(signInWithPassword({ email: "  Pat@Example.com ", password: PASSWORD, address: "10.0.0.1" }, T0)).resolves.toEqual({ ok: true, userId: patId });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "auth.sign_in",
        actorId: patId,
        actorLabel: EMAIL,
        roles: ["oncall", "viewer"],
        subjectType: "account",
        subjectId: EMAIL,
        createdAt: T0,
        details: { method: "password", address: "10.0.0.1" },
      }),
    ]);
    expect(attempts()).toEqual([{ email: EMAIL, address: "10.0.0.1", success: 1, at: T0 }]);
  });

  it.each([
    { name: "wrong password", email: EMAIL, password: "wrong password!!", actorId: () => patId, actorLabel: EMAIL },
    { name: "unknown account", email: "ghost@example.com", password: PASSWORD, actorId: () => null, actorLabel: "system" },
  ])("$name: generic message, audited auth.sign_in_failed", async ({ email, password, actorId, actorLabel }) => {
    const before = lastAuditId(sqlite);
    const r = await signInWithPassword({ email, password, address: "10.0.0.1" }, T0);
    expect(r).toEqual({ ok: false, message: "Email or password is incorrect." });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({
        action: "auth.sign_in_failed",
        actorId: actorId(),
        actorLabel,
        roles: [],
        subjectType: "account",
        subjectId: email,
        details: { method: "password", address: "10.0.0.1", reason: "Email or password is incorrect." },
      }),
    ]);
    expect(attempts()).toEqual([{ email, address: "10.0.0.1", success: 0, at: T0 }]);
  });

  it("throttle: 5 failures from one address in 15 min -> the 6th (even correct) is refused and audited", async () => {
    const address = "203.0.113.7";
    for (let i = 0; i < 5; i++) {
      const r = await signInWithPassword({ email: EMAIL, password: `wrong password ${i}`, address }, T0 + i * MIN);
      expect(r).toEqual({ ok: false, message: "Email or password is incorrect." });
    }
    const before = lastAuditId(sqlite);
    const attemptsBefore = attempts().length;
    const now = T0 + 6 * MIN;
    const refused = await signInWithPassword({ email: EMAIL, password: PASSWORD, address }, now);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toMatch(/^Too many failed sign-in attempts for this account from your address\. Try again in 9 minutes\.$/);
    const events = auditEvents(sqlite, before);
    expect(events).toEqual([
      expect.objectContaining({
        action: "auth.sign_in_throttled",
        actorLabel: "system",
        subjectType: "account",
        subjectId: EMAIL,
        createdAt: now,
        details: { email: EMAIL, address, retryAt: new Date(T0 + 15 * MIN).toISOString() },
      }),
    ]);
    // A refused try is not a failure: the lockout still ends 15 minutes after the first failure.
    expect(attempts()).toHaveLength(attemptsBefore);

    // Another address is not throttled.
    await expect(signInWithPassword({ email: EMAIL, password: PASSWORD, address: "198.51.100.9" }, now)).resolves.toEqual({ ok: true, userId: patId });

    // Still locked just before the window passes, open after.
    const stillLocked = await signInWithPassword({ email: EMAIL, password: PASSWORD, address }, T0 + 15 * MIN - 1);
    expect(stillLocked).toEqual({ ok: false, message: expect.stringMatching(/^Too many failed sign-in attempts.*1 minute\.$/) as string });
    await expect(signInWithPassword({ email: EMAIL, password: PASSWORD, address }, T0 + 15 * MIN)).resolves.toEqual({ ok: true, userId: patId });
    expect(verifyAuditChain(sqlite).intact).toBe(true);
  });

  it("throttle is per account: another account from the same address is not refused", async () => {
    const address = "203.0.113.8";
    for (let i = 0; i < 5; i++) await signInWithPassword({ email: EMAIL, password: "wrong password!!", address }, T0 + i);
    const other = insertUserWithRoles(db, "kim@example.com", ["viewer"], { passwordHash });
    await expect(signInWithPassword({ email: "kim@example.com", password: PASSWORD, address }, T0 + 10)).resolves.toEqual({ ok: true, userId: other.id });
  });

  it("4 failures then a success reset the count", async () => {
    const address = "203.0.113.9";
    for (let i = 0; i < 4; i++) await signInWithPassword({ email: EMAIL, password: "wrong password!!", address }, T0 + i);
    await expect(signInWithPassword({ email: EMAIL, password: PASSWORD, address }, T0 + 10)).resolves.toMatchObject({ ok: true });
    for (let i = 0; i < 4; i++) await signInWithPassword({ email: EMAIL, password: "wrong password!!", address }, T0 + 20 + i);
    await expect(signInWithPassword({ email: EMAIL, password: PASSWORD, address }, T0 + 30)).resolves.toMatchObject({ ok: true });
  });

  it("failures older than the window do not count", async () => {
    const address = "203.0.113.10";
    for (let i = 0; i < 5; i++) await signInWithPassword({ email: EMAIL, password: "wrong password!!", address }, T0 + i * MIN);
    // 4 of the 5 have left the window 19 minutes later.
    await expect(signInWithPassword({ email: EMAIL, password: PASSWORD, address }, T0 + 19 * MIN)).resolves.toMatchObject({ ok: true });
  });

  it("disabled account: refused with its own message even with the right password, audited", async () => {
    sqlite.prepare("UPDATE users SET disabled = 1 WHERE id = ?").run(patId);
    const before = lastAuditId(sqlite);
    const r = await signInWithPassword({ email: EMAIL, password: PASSWORD, address: "10.0.0.2" }, T0);
    expect(r).toEqual({ ok: false, message: "This account is disabled. Ask an administrator to enable it." });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({ action: "auth.sign_in_failed", actorId: patId, roles: [], details: expect.objectContaining({ reason: r.ok ? "" : r.message }) as unknown }),
    ]);
  });

  it("disabled account with a wrong password gets the generic message (no account oracle)", async () => {
    sqlite.prepare("UPDATE users SET disabled = 1 WHERE id = ?").run(patId);
    await expect(signInWithPassword({ email: EMAIL, password: "wrong password!!", address: "10.0.0.2" }, T0)).resolves.toEqual({ ok: false, message: "Email or password is incorrect." });
  });

  it("demo account refused while demo mode is off, audited", async () => {
    const before = lastAuditId(sqlite);
    const r = await signInWithPassword({ email: "admin@flightdeck.local", password: DEMO_PASSWORD, address: "10.0.0.3" }, T0);
    expect(r).toEqual({ ok: false, message: "Demo accounts can only sign in while demo mode is on." });
    expect(auditEvents(sqlite, before)).toEqual([
      expect.objectContaining({ action: "auth.sign_in_failed", actorLabel: "admin@flightdeck.local", roles: [], subjectId: "admin@flightdeck.local" }),
    ]);
  });
});

describe("signInWithPassword under concurrency", () => {
  it("12 parallel guesses from one address record at most 5 failures; the rest are throttled", async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => signInWithPassword({ email: EMAIL, password: `guess ${i}`, address: "10.9.9.9" }, T0)),
    );
    expect(attempts().filter((a) => a.success === 0)).toHaveLength(5);
    expect(results.filter((r) => !r.ok && r.message.startsWith("Too many"))).toHaveLength(7);
    expect(verifyAuditChain(sqlite).intact).toBe(true);
  });
});
