import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { findUserByEmail } from "@/db/queries/users";
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from "@/db/seed";
import { signInWithPassword } from "@/lib/services/auth/sign-in-with-password";
import { auditEvents, buildSeededTemplate, closeCurrentDb, lastAuditId, makeTempDir, useFreshDb } from "../support/db";

// lib/env parses once per process: this file is the demo-mode-on counterpart of sign-in.test.ts,
// with a stricter throttle read from the environment.
process.env.FLIGHTDECK_DEMO = "1";
process.env.SIGNIN_MAX_FAILURES = "2";
process.env.SIGNIN_WINDOW_MINUTES = "1";

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
});
afterEach(() => closeCurrentDb());

describe("signInWithPassword in demo mode", () => {
  it.each(DEMO_ACCOUNTS.slice(0, 3).concat(DEMO_ACCOUNTS.slice(-2)))("demo account $email signs in with its roles", async ({ email, roles }) => {
    const before = lastAuditId(sqlite);
    const r = await signInWithPassword({ email, password: DEMO_PASSWORD, address: "127.0.0.1" });
    expect(r).toEqual({ ok: true, userId: findUserByEmail(db, email)!.id });
    expect(auditEvents(sqlite, before)).toEqual([expect.objectContaining({ action: "auth.sign_in", actorLabel: email, roles: [...roles].sort() })]);
  });

  it("SIGNIN_MAX_FAILURES / SIGNIN_WINDOW_MINUTES from the environment are honoured", async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const email = "viewer@flightdeck.local";
    for (let i = 0; i < 2; i++) await signInWithPassword({ email, password: "wrong password!!", address: "a" }, t0 + i);
    const locked = await signInWithPassword({ email, password: DEMO_PASSWORD, address: "a" }, t0 + 10);
    expect(locked).toEqual({ ok: false, message: expect.stringContaining("Try again in 1 minute.") as string });
    await expect(signInWithPassword({ email, password: DEMO_PASSWORD, address: "a" }, t0 + 60_000)).resolves.toMatchObject({ ok: true });
  });
});
