import { describe, expect, it } from "vitest";
import { RefusalCap } from "@/lib/domain/refusal-cap";
import { humanIssueMessage } from "@/lib/domain/input-messages";
import { clip, fieldNames } from "@/lib/domain/input-summary";
import { z } from "zod";

const kind = { code: "INVALID", action: "release.create" };

describe("refusal rate cap (virtual clock)", () => {
  it("writes the first `limit` refusals of a key per window, counts the rest, and summarizes them once the window closes", () => {
    const cap = new RefusalCap<string>({ limit: 3, windowMs: 60_000 });
    const t0 = 1_000_000;
    const writes = Array.from({ length: 10 }, (_, i) => cap.admit("user:1", "ann", t0 + i * 1000, kind));
    expect(writes.map((w) => w.write)).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(writes.every((w) => w.due.length === 0)).toBe(true);
    expect(cap.pending()).toBe(7);
    expect(cap.nextDueAt()).toBe(t0 + 60_000);
    // Not yet closed a millisecond before the end.
    expect(cap.due(t0 + 59_999)).toEqual([]);
    // The next refusal after the window: written again, and the summary comes with it.
    const next = cap.admit("user:1", "ann", t0 + 60_000, { code: "FORBIDDEN", action: "user.create" });
    expect(next.write).toBe(true);
    expect(next.due).toEqual([{ key: "user:1", subject: "ann", from: t0, to: t0 + 60_000, count: 7, codes: { INVALID: 7 }, actions: { "release.create": 7 } }]);
    expect(cap.pending()).toBe(0);
  });

  it("keys are independent: one flooding key does not silence another", () => {
    const cap = new RefusalCap<string>({ limit: 2, windowMs: 10_000 });
    for (let i = 0; i < 5; i++) cap.admit("address:203.0.113.9", "anon", i, kind);
    expect(cap.admit("user:2", "bob", 5, kind).write).toBe(true);
    expect(cap.admit("user:2", "bob", 6, kind).write).toBe(true);
    expect(cap.admit("user:2", "bob", 7, kind).write).toBe(false);
  });

  it("a window without suppressed refusals closes without a summary; due() sweeps every closed window", () => {
    const cap = new RefusalCap<string>({ limit: 2, windowMs: 10_000 });
    cap.admit("a", "a", 0, kind);
    for (let i = 0; i < 4; i++) cap.admit("b", "b", 1000 + i, kind);
    expect(cap.nextDueAt()).toBe(11_000);
    expect(cap.due(10_500)).toEqual([]);
    const due = cap.due(11_000);
    expect(due.map((d) => [d.key, d.count])).toEqual([["b", 2]]);
    expect(cap.nextDueAt()).toBeNull();
  });

  it("many distinct actions add up under (other) beyond 20 kinds", () => {
    const cap = new RefusalCap<string>({ limit: 0, windowMs: 1000 });
    for (let i = 0; i < 25; i++) cap.admit("k", "k", 0, { code: "NOT_FOUND", action: `a${i}` });
    const [s] = cap.due(1000);
    expect(s!.count).toBe(25);
    expect(Object.keys(s!.actions)).toHaveLength(21);
    expect(s!.actions["(other)"]).toBe(5);
  });
});

describe("what a refusal's audit event keeps of the input", () => {
  it("field names only, cleaned of control and bidi characters, cut short, at most 20", () => {
    const form = new FormData();
    form.append("$ACTION_ID_abc", "");
    form.append("changeLog", "x".repeat(10_000_000));
    form.append("roles", "a");
    form.append("roles", "b");
    expect(fieldNames(form)).toEqual(["changeLog", "roles"]);
    const hostile = JSON.parse('{"__proto__": {"admin": true}, "pass\\u202Eword": "secret", "a\\u0000b": 1}') as unknown;
    expect(fieldNames(hostile)).toEqual(["__proto__", "password", "ab"]);
    expect(fieldNames({ ["k".repeat(100)]: 1 })).toEqual([`${"k".repeat(39)}…`]);
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, i]));
    expect(fieldNames(many)).toHaveLength(21);
    expect(fieldNames(many).at(-1)).toBe("(10 more)");
    expect(fieldNames([1, 2])).toEqual(["(array)"]);
    expect(fieldNames("secret")).toEqual(["(string)"]);
    expect(fieldNames(new Map())).toEqual(["(Map)"]);
    expect(fieldNames(null)).toEqual([]);
    // Code points, not UTF-16 units: an emoji is never cut in half (joiners are format characters and go).
    expect(Array.from(clip("👩‍👩‍👧 family", 3))).toEqual(["👩", "👩", "…"]);
  });
});

describe("human messages for bare zod limits", () => {
  const parse = (schema: z.ZodType, value: unknown) => schema.safeParse(value, { error: humanIssueMessage }).error?.issues[0]?.message;

  it("says what the limit is and how far over the input is", () => {
    expect(parse(z.string().max(10_000), "x".repeat(10_485_760))).toBe("At most 10,000 characters (this has 10,485,760).");
    expect(parse(z.string().min(1), "")).toBe("This field is required.");
    expect(parse(z.string().min(8), "abc")).toBe("At least 8 characters.");
    expect(parse(z.array(z.number()).max(2), [1, 2, 3])).toBe("At most 2 items.");
    expect(parse(z.number().int().max(1000), 5000)).toBe("At most 1,000.");
    expect(parse(z.number(), undefined)).toBe("This field is required.");
    expect(parse(z.coerce.number(), "abc")).toBe("Expected a number.");
    // A message written in the schema wins.
    expect(parse(z.string().max(3, "Short, please."), "abcd")).toBe("Short, please.");
  });
});
