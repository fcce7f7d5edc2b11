import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ChainedFields, GENESIS_HASH, canonicalJson, createChainVerifier, hashEvent } from "@/lib/domain/audit-chain";

describe("canonicalJson", () => {
  it.each([
    { name: "sorts top-level keys", value: { b: 1, a: 2 }, json: '{"a":2,"b":1}' },
    { name: "sorts nested keys at every depth", value: { z: { y: 1, x: { d: 1, c: 2 } }, a: [] }, json: '{"a":[],"z":{"x":{"c":2,"d":1},"y":1}}' },
    { name: "sorts keys of objects inside arrays, keeps array order", value: [{ b: 1, a: 1 }, 3, "x"], json: '[{"a":1,"b":1},3,"x"]' },
    { name: "drops undefined values", value: { a: undefined, b: 1, c: { d: undefined } }, json: '{"b":1,"c":{}}' },
    { name: "keeps null values", value: { a: null }, json: '{"a":null}' },
    { name: "undefined inside arrays becomes null (as JSON does)", value: [undefined, 1], json: "[null,1]" },
    { name: "empty object", value: {}, json: "{}" },
    { name: "scalars", value: "text", json: '"text"' },
    { name: "numbers and booleans", value: { n: 1.5, t: true, f: false }, json: '{"f":false,"n":1.5,"t":true}' },
    { name: "unicode is kept", value: { name: "Zoë ✈" }, json: '{"name":"Zoë ✈"}' },
  ])("$name", ({ value, json }) => {
    expect(canonicalJson(value)).toBe(json);
  });

  it("gives equal text for equal data whatever the insertion order", () => {
    const a = { env: "production", roles: ["admin"], nested: { b: 2, a: 1 } };
    const b = { nested: { a: 1, b: 2 }, roles: ["admin"], env: "production" };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
  });

  it("round-trips through JSON.parse to the same data", () => {
    const value = { b: [1, { d: "x", c: null }], a: "y" };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });

  // Values with toJSON (Date) must keep their JSON meaning; see report: sortKeys turns a Date into {}.
  it("keeps Date values as JSON.stringify would (ISO text)", () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
  });
});

function event(id: number, prevHash: string, overrides: Partial<ChainedFields> = {}): ChainedFields & { hash: string } {
  const fields: ChainedFields = {
    id,
    createdAt: 1_700_000_000_000 + id,
    actorId: 1,
    actorLabel: "admin@flightdeck.local",
    roles: '["admin"]',
    action: "service.update",
    subjectType: "service",
    subjectId: String(id),
    environment: null,
    details: canonicalJson({ n: id }),
    requestId: `req-${id}`,
    prevHash,
    ...overrides,
  };
  return { ...fields, hash: hashEvent(fields) };
}

function chain(n: number): (ChainedFields & { hash: string })[] {
  const out: (ChainedFields & { hash: string })[] = [];
  let prev = GENESIS_HASH;
  for (let id = 1; id <= n; id++) {
    const e = event(id, prev);
    out.push(e);
    prev = e.hash;
  }
  return out;
}

function verify(events: (ChainedFields & { hash: string })[]) {
  const v = createChainVerifier();
  for (const e of events) {
    const broken = v.push(e);
    if (broken) return { broken, count: v.count };
  }
  return { broken: null, count: v.count, lastHash: v.lastHash };
}

describe("hashEvent", () => {
  it("is a 64-hex sha256 and deterministic", () => {
    const e = event(1, GENESIS_HASH);
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    const { hash: _h, ...fields } = e;
    expect(hashEvent({ ...fields })).toBe(e.hash);
    expect(hashEvent(JSON.parse(JSON.stringify(fields)) as ChainedFields)).toBe(e.hash);
  });

  it("is sha256(prevHash + newline + JSON array of the fields in fixed order)", () => {
    const { hash, ...f } = event(7, "a".repeat(64));
    const body = JSON.stringify([f.id, f.createdAt, f.actorId, f.actorLabel, f.roles, f.action, f.subjectType, f.subjectId, f.environment, f.details, f.requestId]);
    expect(hash).toBe(createHash("sha256").update(`${f.prevHash}\n${body}`).digest("hex"));
  });

  it("does not depend on the key order of the object passed in", () => {
    const { hash, ...f } = event(3, GENESIS_HASH);
    const reversed = Object.fromEntries(Object.entries(f).reverse()) as unknown as ChainedFields;
    expect(hashEvent(reversed)).toBe(hash);
  });

  it.each<[string, Partial<ChainedFields>]>([
    ["id", { id: 2 }],
    ["createdAt", { createdAt: 1 }],
    ["actorId", { actorId: null }],
    ["actorLabel", { actorLabel: "mallory@example.com" }],
    ["roles", { roles: '["viewer"]' }],
    ["action", { action: "service.delete" }],
    ["subjectType", { subjectType: "environment" }],
    ["subjectId", { subjectId: "99" }],
    ["environment", { environment: "production" }],
    ["details", { details: '{"n":2}' }],
    ["requestId", { requestId: null }],
    ["prevHash", { prevHash: "f".repeat(64) }],
  ])("changes when %s changes", (_field, change) => {
    const base = event(1, GENESIS_HASH);
    const { hash, ...fields } = base;
    expect(hashEvent({ ...fields, ...change })).not.toBe(hash);
  });

  it("distinguishes null from the string 'null'", () => {
    const { hash, ...fields } = event(1, GENESIS_HASH, { environment: null });
    expect(hashEvent({ ...fields, environment: "null" })).not.toBe(hash);
  });
});

describe("createChainVerifier", () => {
  it("accepts an empty chain and an intact chain", () => {
    expect(verify([])).toEqual({ broken: null, count: 0, lastHash: GENESIS_HASH });
    const events = chain(5);
    expect(verify(events)).toEqual({ broken: null, count: 5, lastHash: events[4]!.hash });
  });

  it.each([1, 3, 5])("names event #%i when its content was edited", (n) => {
    const events = chain(5);
    events[n - 1] = { ...events[n - 1]!, details: canonicalJson({ n: 999 }) };
    const { broken, count } = verify(events);
    expect(broken).toEqual({ id: n, reason: expect.stringContaining("edited") as string });
    expect(count).toBe(n);
  });

  it.each<[string, Partial<ChainedFields>]>([
    ["actorLabel", { actorLabel: "someone-else@example.com" }],
    ["action", { action: "approval.grant" }],
    ["createdAt", { createdAt: 0 }],
    ["roles", { roles: '["security"]' }],
  ])("detects an edited %s", (_field, change) => {
    const events = chain(4);
    events[1] = { ...events[1]!, ...change };
    expect(verify(events).broken?.id).toBe(2);
  });

  it.each([
    { deleted: 3, total: 5, named: 4 },
    { deleted: 2, total: 5, named: 3 },
    { deleted: 1, total: 4, named: 2 },
  ])("deleted row #$deleted: names #$named and the missing id", ({ deleted, total, named }) => {
    const events = chain(total).filter((e) => e.id !== deleted);
    const { broken } = verify(events);
    expect(broken?.id).toBe(named);
    expect(broken?.reason).toContain(`event #${deleted} is missing`);
    expect(broken?.reason).toContain("previous-hash link");
  });

  it("names the first of several deleted rows", () => {
    const events = chain(8).filter((e) => e.id !== 3 && e.id !== 6);
    const { broken } = verify(events);
    expect(broken).toMatchObject({ id: 4 });
    expect(broken?.reason).toContain("event #3 is missing");
  });

  it("detects a relinked prev hash even when the row's own hash was recomputed", () => {
    const events = chain(5);
    // Attacker points #3 at #1 (skipping #2) and rehashes #3 so its content hash matches.
    const relinked = event(3, events[0]!.hash);
    events[2] = relinked;
    const { broken } = verify(events);
    expect(broken?.id).toBe(3);
    expect(broken?.reason).toContain("previous-hash link does not match event #2");
    expect(broken?.reason).not.toContain("missing");
  });

  it("detects a row whose stored prev hash was changed without rehashing", () => {
    const events = chain(4);
    events[3] = { ...events[3]!, prevHash: "0".repeat(64) };
    expect(verify(events).broken?.id).toBe(4);
  });

  it("an edit that rehashes the row itself is caught at the next row", () => {
    const events = chain(5);
    const { hash: _h, ...fields } = events[1]!;
    const forged = { ...fields, details: canonicalJson({ n: "forged" }) };
    events[1] = { ...forged, hash: hashEvent(forged) };
    const { broken } = verify(events);
    expect(broken?.id).toBe(3);
    expect(broken?.reason).toContain("does not match event #2");
  });

  it("detects a forged hash value on an otherwise unchanged row", () => {
    const events = chain(3);
    events[2] = { ...events[2]!, hash: "e".repeat(64) };
    expect(verify(events).broken).toMatchObject({ id: 3 });
  });

  it("detects reordered rows", () => {
    const events = chain(4);
    [events[1], events[2]] = [events[2]!, events[1]!];
    expect(verify(events).broken?.id).toBe(3);
  });
});
