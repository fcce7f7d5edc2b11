import { describe, expect, it } from "vitest";
import { auditQuerySchema, firstValues } from "@/lib/domain/audit-filter";

describe("auditQuerySchema", () => {
  it("defaults: no filters, limit 100", () => {
    expect(auditQuerySchema.parse({})).toEqual({ limit: 100 });
  });

  it.each<{ name: string; input: Record<string, string>; expected: Record<string, unknown> }>([
    { name: "empty strings mean unset", input: { actor: "", action: "", environment: "", from: "", to: "", subjectType: "  " }, expected: { limit: 100 } },
    { name: "actor trimmed", input: { actor: "  admin@flightdeck.local " }, expected: { actor: "admin@flightdeck.local", limit: 100 } },
    { name: "known action", input: { action: "service.update" }, expected: { action: "service.update", limit: 100 } },
    { name: "environment and subject", input: { environment: "production", subjectType: "service", subjectId: "4" }, expected: { environment: "production", subjectType: "service", subjectId: "4", limit: 100 } },
    { name: "datetime-local read as UTC", input: { from: "2026-11-22T10:00" }, expected: { from: Date.UTC(2026, 10, 22, 10, 0), limit: 100 } },
    { name: "ISO with Z", input: { to: "2026-11-22T10:00:00Z" }, expected: { to: Date.UTC(2026, 10, 22, 10, 0), limit: 100 } },
    { name: "ISO with offset", input: { to: "2026-11-22T12:00:00+02:00" }, expected: { to: Date.UTC(2026, 10, 22, 10, 0), limit: 100 } },
    { name: "from == to allowed", input: { from: "2026-01-01T00:00", to: "2026-01-01T00:00" }, expected: { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 1), limit: 100 } },
    { name: "before and limit coerced", input: { before: "1234", limit: "500" }, expected: { before: 1234, limit: 500 } },
  ])("$name", ({ input, expected }) => {
    expect(auditQuerySchema.parse(input)).toEqual(expected);
  });

  it.each<{ name: string; input: Record<string, string>; path: string; message?: string }>([
    { name: "unknown action", input: { action: "db.drop" }, path: "action" },
    { name: "unparseable time", input: { from: "yesterday" }, path: "from", message: "Use a date and time like 2026-11-22T10:00." },
    { name: "from after to", input: { from: "2026-02-01T00:00", to: "2026-01-01T00:00" }, path: "to", message: "'From' must be before 'to'." },
    { name: "limit 0", input: { limit: "0" }, path: "limit" },
    { name: "limit too large", input: { limit: "501" }, path: "limit" },
    { name: "before negative", input: { before: "-1" }, path: "before" },
    { name: "before not a number", input: { before: "abc" }, path: "before" },
    { name: "actor too long", input: { actor: "a".repeat(321) }, path: "actor" },
  ])("rejects $name", ({ input, path, message }) => {
    const r = auditQuerySchema.safeParse(input);
    expect(r.success).toBe(false);
    const issue = r.error?.issues.find((i) => i.path.join(".") === path);
    expect(issue, JSON.stringify(r.error?.issues)).toBeDefined();
    if (message) expect(issue?.message).toBe(message);
  });
});

describe("firstValues", () => {
  it.each<{ input: Record<string, string | string[] | undefined>; expected: Record<string, string> }>([
    { input: {}, expected: {} },
    { input: { actor: "a" }, expected: { actor: "a" } },
    { input: { actor: ["a", "b"] }, expected: { actor: "a" } },
    { input: { actor: [], action: undefined, environment: "" }, expected: { environment: "" } },
  ])("$input -> $expected", ({ input, expected }) => {
    expect(firstValues(input)).toEqual(expected);
  });
});
