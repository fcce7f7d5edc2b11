import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { users } from "@/db/schema";
import { verifyAuditChain } from "@/lib/audit/verify";
import { resolveOidcSignIn } from "@/lib/services/auth/record-session-event";
import { auditEvents, buildSeededTemplate, closeCurrentDb, insertUserWithRoles, lastAuditId, makeTempDir, useFreshDb } from "../support/db";

process.env.FLIGHTDECK_DEMO = "0";

const ISSUER = "https://idp.example";
const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let before = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  insertUserWithRoles(db, "pat@example.com", ["release_captain", "security"]);
  const off = insertUserWithRoles(db, "off@example.com", ["security"]);
  db.update(users).set({ disabled: true }).where(eq(users.id, off.id)).run();
  insertUserWithRoles(db, "demo@example.com", ["viewer"], { demo: true });
  before = lastAuditId(sqlite);
});
afterEach(() => closeCurrentDb());

describe("resolveOidcSignIn (issue 15, A2, M1)", () => {
  it("signs in an enabled account by its verified email and audits auth.sign_in with the roles", () => {
    const out = resolveOidcSignIn({ ok: true, email: "pat@example.com" }, ISSUER);
    expect(out.ok).toBe(true);
    const [event] = auditEvents(sqlite, before);
    expect(event).toMatchObject({ action: "auth.sign_in", actorLabel: "pat@example.com", subjectId: "pat@example.com", details: { method: "oidc", issuer: ISSUER } });
    expect(event!.roles.sort()).toEqual(["release_captain", "security"]);
    expect(verifyAuditChain(sqlite).intact).toBe(true);
  });

  it.each([
    [{ ok: false, reason: "email_unverified", email: "pat@example.com" } as const, "email_unverified", "email not verified by the identity provider", "system"],
    [{ ok: false, reason: "no_email", email: null } as const, "no_email", "the identity provider sent no email", "system"],
    [{ ok: true, email: "nobody@example.com" } as const, "no_account", "no local account with this email", "system"],
    [{ ok: true, email: "off@example.com" } as const, "disabled", "account disabled", "off@example.com"],
    [{ ok: true, email: "demo@example.com" } as const, "no_account", "demo-only account (password sign-in only)", "demo@example.com"],
  ])("refuses %j as %s and audits auth.sign_in_failed with the reason", (identity, refusal, reason, actor) => {
    expect(resolveOidcSignIn(identity, ISSUER)).toEqual({ ok: false, refusal });
    const events = auditEvents(sqlite, before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "auth.sign_in_failed", actorLabel: actor, roles: [], subjectId: identity.email ?? "(no email)", details: { method: "oidc", issuer: ISSUER, reason } });
  });
});
