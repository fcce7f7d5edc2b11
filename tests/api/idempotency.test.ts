import { randomUUID } from "node:crypto";
import type Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor } from "@/lib/domain/actor";
import { buildSeededTemplate, closeCurrentDb, insertUserWithRoles, makeTempDir, useFreshDb } from "../support/db";
import { invoke, tokenFor } from "./support/in-process";
import { changeEvents, lastAuditId, markRunning, rowVersion, startStagingRollout } from "./support/rollout-fixture";

// Idempotency-Key on POST (lib/api/idempotency.ts), through the v1 rollout command routes on a real SQLite.

const tmp = makeTempDir();
let sqlite: Database.Database;
let captain: Actor;
let deployToken = "";
let versions = 0;

beforeAll(async () => {
  const fresh = useFreshDb(tmp.dir, await buildSeededTemplate(tmp.dir));
  sqlite = fresh.sqlite;
  captain = insertUserWithRoles(fresh.db, "cap@idempotency.test", ["release_captain"]);
  deployToken = tokenFor(captain, { scopes: ["deploy"] });
}, 120_000);
afterAll(() => {
  expect(verifyAuditChain(sqlite).intact).toBe(true);
  closeCurrentDb();
  tmp.cleanup();
});

/** A running rollout of its own (the one before it finished, as test setup: one live rollout per environment). */
async function runningRollout(): Promise<number> {
  sqlite.prepare("UPDATE rollouts SET status = 'succeeded', finished_at = ? WHERE status NOT IN ('succeeded', 'rolled_back')").run(Date.now());
  const id = await startStagingRollout(deployToken, `5.0.${++versions}`);
  markRunning(sqlite, id);
  return id;
}

function command(token: string, id: number, verb: string, key: string | undefined, body: unknown = {}) {
  const headers: Record<string, string> = { "if-match": "*" };
  if (key !== undefined) headers["idempotency-key"] = key;
  return invoke("POST", `/api/v1/rollouts/${id}/${verb}`, { token, headers, body });
}

describe("Idempotency-Key on POST /api/v1/rollouts/{id}/{command}", () => {
  it("the same key and body again: the kept answer with Idempotent-Replayed: true, and the state changed once", async () => {
    const id = await runningRollout();
    const token = tokenFor(captain, { scopes: ["control"] });
    const key = randomUUID();
    const before = lastAuditId(sqlite);
    const first = await command(token, id, "pause", key);
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const firstBody = await first.text();
    const changed = changeEvents(sqlite, before);
    expect(changed.length).toBeGreaterThan(0);
    const version = rowVersion(sqlite, id);

    const again = await command(token, id, "pause", key);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.text()).toBe(firstBody);
    for (const h of ["location", "etag", "content-type"]) expect(again.headers.get(h), h).toBe(first.headers.get(h));
    // Once: no second state change, no second event (a real second pause would be a 409).
    expect(rowVersion(sqlite, id)).toBe(version);
    expect(changeEvents(sqlite, before)).toEqual(changed);
  });

  it("the same key with another body or another command: 422 problem, nothing done", async () => {
    const id = await runningRollout();
    const token = tokenFor(captain, { scopes: ["control", "rollback"] });
    const key = randomUUID();
    expect((await command(token, id, "pause", key)).status).toBe(202);
    const version = rowVersion(sqlite, id);
    const before = lastAuditId(sqlite);
    for (const [verb, body] of [
      ["pause", { reason: "another body" }],
      ["resume", {}],
      ["abort", { reason: "another command" }],
    ] as const) {
      const res = await command(token, id, verb, key, body);
      expect(res.status, verb).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ status: 422, code: "INVALID", detail: expect.stringContaining("Idempotency-Key") as unknown });
    }
    expect(rowVersion(sqlite, id)).toBe(version);
    expect(changeEvents(sqlite, before)).toEqual([]);
  });

  it("a malformed key: 400 problem naming the header, nothing done", async () => {
    const id = await runningRollout();
    const token = tokenFor(captain, { scopes: ["control"] });
    const version = rowVersion(sqlite, id);
    for (const key of ["", "has space", "x".repeat(256)]) {
      const res = await command(token, id, "pause", key);
      expect(res.status, JSON.stringify(key)).toBe(400);
      expect(await res.json()).toMatchObject({ code: "INVALID", fieldErrors: { "Idempotency-Key": [expect.any(String)] } });
    }
    expect(rowVersion(sqlite, id)).toBe(version);
    // At most 255 visible ASCII characters is fine.
    expect((await command(token, id, "pause", "k".repeat(255))).status).toBe(202);
  });

  it("a refused call does not keep its key: the same key works once the state allows the command", async () => {
    const id = await runningRollout();
    const token = tokenFor(captain, { scopes: ["control"] });
    const key = randomUUID();
    // Resume a running rollout: refused (409), so the key is free again.
    const refused = await command(token, id, "resume", key);
    expect(refused.status).toBe(409);
    expect((await command(token, id, "pause", randomUUID())).status).toBe(202);
    const resumed = await command(token, id, "resume", key);
    expect(resumed.status).toBe(202);
    expect(resumed.headers.get("idempotent-replayed")).toBeNull();
    expect(((await resumed.json()) as { status: string }).status).toBe("running");
  });

  it("keys belong to their caller: another token's same key is its own request", async () => {
    const id = await runningRollout();
    const key = randomUUID();
    expect((await command(tokenFor(captain, { scopes: ["control"] }), id, "pause", key)).status).toBe(202);
    const other = await command(tokenFor(captain, { scopes: ["control"] }), id, "resume", key);
    expect(other.status).toBe(202);
    expect(other.headers.get("idempotent-replayed")).toBeNull();
  });
});
