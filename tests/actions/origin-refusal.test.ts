import type Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findUserByEmail } from "@/db/queries/users";
import { flushRefusalSummaries, resetRefusalCap } from "@/lib/audit/refusal";
import { verifyAuditChain } from "@/lib/audit/verify";
import { auditEvents, buildSeededTemplate, closeCurrentDb, insertUserWithRoles, lastAuditId, makeTempDir, snapshot, useFreshDb } from "../support/db";
import { actAs } from "../support/request-double";

// The server-action wrapper's own origin check (defense in depth behind proxy.ts), on a real
// SQLite database. Only the request boundary is doubled: who is signed in, and the headers.
const APP = "http://localhost:3000";
process.env.NEXTAUTH_URL = APP;

const KEY = Symbol.for("flightdeck.test.origin-headers");
const store = globalThis as unknown as Record<symbol, Record<string, string> | undefined>;
function sendHeaders(h: Record<string, string>): void {
  store[KEY] = h;
}

vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  const key = Symbol.for("flightdeck.test.origin-headers");
  return {
    headers: () => Promise.resolve(new Headers((globalThis as unknown as Record<symbol, Record<string, string>>)[key])),
    cookies: d.cookiesDouble,
  };
});
vi.mock("next/cache", async () => {
  const d = await import("../support/request-double");
  return { revalidatePath: d.revalidateDouble, revalidateTag: d.revalidateDouble };
});

const { createUserAction } = await import("@/app/(dashboard)/settings/users/actions");
const { ORIGIN_REFUSED_MESSAGE } = await import("@/lib/auth/request-facts");

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let adminId = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  resetRefusalCap(db);
  adminId = insertUserWithRoles(db, "root@example.test", ["admin"]).id;
  actAs(adminId);
});
afterEach(() => {
  expect(verifyAuditChain(sqlite).intact).toBe(true);
  closeCurrentDb();
});

const newUser = (email: string) => ({ email, name: "Mallory", password: "long-enough-password-1", roles: ["admin"] });
const browser = (over: Record<string, string> = {}) => ({
  host: "localhost:3000",
  origin: APP,
  cookie: "next-auth.session-token=signed.jwt.value",
  "x-forwarded-for": "203.0.113.9",
  "next-action": "7f00",
  ...over,
});

describe("a server action from a foreign origin (issue 10)", () => {
  it("is refused with FORBIDDEN, changes nothing, and leaves a request.origin_refused event for the cookie's user", async () => {
    sendHeaders(browser({ origin: "https://evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https", "x-flightdeck-path": "/settings/users" }));
    const before = snapshot(sqlite);
    const last = lastAuditId(sqlite);

    const result = await createUserAction(null, newUser("mallory@evil.example"));

    expect(result).toEqual({ ok: false, code: "FORBIDDEN", message: ORIGIN_REFUSED_MESSAGE });
    const after = snapshot(sqlite);
    for (const t of Object.keys(before)) if (t !== "audit_events") expect(after[t], `${t} changed`).toEqual(before[t]);
    expect(findUserByEmail(db, "mallory@evil.example")).toBeUndefined();
    const events = auditEvents(sqlite, last);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "request.origin_refused", actorId: adminId, subjectType: "action", subjectId: "user.create" });
    expect(events[0]!.details).toEqual({
      reason: "foreign_origin",
      origin: "https://evil.example",
      host: "localhost:3000",
      forwardedHost: "evil.example",
      method: "POST",
      path: "/settings/users",
      actionId: "user.create",
      allowed: [APP],
      refusedBy: "action",
      address: "203.0.113.9",
    });
  });

  it("a flood of them is capped like every refusal: 20 events per person and minute, the rest counted", async () => {
    sendHeaders(browser({ origin: "https://evil.example" }));
    const last = lastAuditId(sqlite);
    for (let i = 0; i < 25; i++) expect(await createUserAction(null, newUser(`flood${i}@evil.example`))).toMatchObject({ code: "FORBIDDEN" });
    expect(auditEvents(sqlite, last).map((e) => e.action)).toEqual(Array<string>(20).fill("request.origin_refused"));
    expect(flushRefusalSummaries(db, Date.now() + 61_000)).toBe(1);
    const summary = auditEvents(sqlite, last).at(-1)!;
    expect(summary).toMatchObject({ action: "audit.refusals_suppressed", actorId: adminId });
    expect(summary.details).toMatchObject({ count: 5, codes: { FORBIDDEN: 5 }, actions: { "user.create": 5 } });
  });

  it("a cookie-bearing request with neither Origin nor Referer is refused too", async () => {
    const { origin: _drop, ...noOrigin } = browser();
    sendHeaders(noOrigin);
    const result = await createUserAction(null, newUser("nobody@evil.example"));
    expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(findUserByEmail(db, "nobody@evil.example")).toBeUndefined();
  });

  it("the same call from Flightdeck's own origin works (a forged X-Forwarded-Host changes nothing)", async () => {
    const variants: Record<string, string>[] = [{}, { "x-forwarded-host": "evil.example" }];
    for (const [i, extra] of variants.entries()) {
      sendHeaders(browser(extra));
      const result = await createUserAction(null, newUser(`ok${i}@example.test`));
      expect(result).toMatchObject({ ok: true });
      expect(findUserByEmail(db, `ok${i}@example.test`)).toBeDefined();
    }
  });
});
