import type Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { Db } from "@/db/connection";
import { listAuditEvents } from "@/db/queries/audit";
import { auditContext, subjectOf } from "@/lib/views/audit-context";
import { freshSeededDbPerTest } from "../support/governance";

let db: Db;
let sqlite: Database.Database;
freshSeededDbPerTest((d, s) => ((db = d), (sqlite = s)));

describe("the audit timeline's names (issue 14)", () => {
  it("names the actors and links the subjects it knows; others read 'type id'", () => {
    const { events } = listAuditEvents(db, {}, { limit: 200 });
    const ctx = auditContext(db, events);
    const seeded = events.find((e) => e.subjectType === "service")!;
    expect(subjectOf(ctx, seeded)).toEqual({ label: expect.stringMatching(/^service /) as unknown, href: `/settings/services/${seeded.subjectId}` });
    expect(subjectOf(ctx, { subjectType: "security_gate", subjectId: "1" })).toEqual({ label: "security gate 1" });
    expect(subjectOf(ctx, { subjectType: null, subjectId: null })).toBeNull();
    const user = sqlite.prepare("SELECT id, name FROM users ORDER BY id LIMIT 1").get() as { id: number; name: string };
    expect(auditContext(db, [{ ...events[0]!, actorId: user.id }]).names.get(user.id)).toBe(user.name);
  });
});
