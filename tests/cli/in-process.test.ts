import type Database from "better-sqlite3";
import type { Command } from "commander";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { findRollout } from "@/db/queries/rollouts";
import { verifyAuditChain } from "@/lib/audit/verify";
import type { Actor } from "@/lib/domain/actor";
import { createTokenInput } from "@/lib/domain/api-token";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { buildFd } from "@/scripts/cli/commands/fd";
import { type CliIo, runCli } from "@/scripts/cli/lib/program";
import { buildSeededTemplate, closeCurrentDb, insertUserWithRoles, makeTempDir, useFreshDb } from "../support/db";
import { routeFetch } from "./support/route-fetch";

// The CLI against the real route handlers in-process (real SQLite, real tokens): what it sends
// (If-Match from a GET, Idempotency-Key reused on a retry) and how it reads the answers.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let captain: Actor;
let rolloutId = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  captain = insertUserWithRoles(db, "cap@example.test", ["release_captain"]);
  const input = startRolloutInput.parse({
    serviceId: findServiceByName(db, "sample-api")!.id,
    environmentId: findEnvironmentByName(db, "staging")!.id,
    version: "3.0.0",
    strategy: { kind: "canary", steps: [{ weight: 50, holdSeconds: 60 }, { weight: 100, holdSeconds: 0 }] },
    idempotencyKey: "cli-in-process-1",
  });
  rolloutId = startRollout(captain, input).rollout.id;
  // The worker's first step, as test setup only: running, holding at 50%.
  sqlite.prepare("update rollouts set status = 'running', phase = 'hold', step_index = 1, weight = 50, hold_ends_at = ?, row_version = row_version + 1 where id = ?").run(Date.now() + 60_000, rolloutId);
});
afterEach(() => {
  expect(verifyAuditChain(sqlite).intact).toBe(true);
  closeCurrentDb();
});

const token = (scopes: string[]) => createApiToken(captain, createTokenInput.parse({ name: "CI", scopes })).secret;

async function cli(build: (io: CliIo) => Command, args: string[], fetch = routeFetch()) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, fetch, sleep: () => Promise.resolve(), intervalMs: 0 };
  const code = await runCli(build, [...args, "--url", "http://flightdeck.test"], io);
  return { code, out: out.join(""), err: err.join("") };
}

describe("fd against the real routes", () => {
  it("status prints step, weight and hold left; exits 0 while the rollout moves", async () => {
    const r = await cli(buildFd, ["status", String(rolloutId), "--token", token(["read"])]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(new RegExp(`^rollout #${rolloutId} running: step 2/4 shift to 50%, weight 50%, hold [01]:\\d\\d left\\n$`));
  });

  it("pause sends the ETag it read as If-Match; then status and watch exit 6 (paused, waiting for a person)", async () => {
    const secret = token(["read", "control"]);
    const paused = await cli(buildFd, ["pause", String(rolloutId), "--reason", "look at the p95", "--token", secret]);
    expect(paused.err).toBe("");
    expect(paused.code).toBe(0);
    expect(paused.out).toBe(`pause: recorded for rollout #${rolloutId} (now paused); the worker carries it out.\n`);
    expect(findRollout(db, rolloutId)!.status).toBe("paused");

    const status = await cli(buildFd, ["status", String(rolloutId), "--json", "--token", secret]);
    expect(status.code).toBe(6);
    expect(JSON.parse(status.out)).toMatchObject({ event: "status", exitCode: 6, progress: { status: "paused", weight: 50 } });
    const watch = await cli(buildFd, ["watch", String(rolloutId), "--token", secret]);
    expect(watch.code).toBe(6);
    expect(watch.out).toContain(`is paused and waiting for a person`);
    expect(watch.out).toContain(`(npm run fd -- resume|promote|abort ${rolloutId})`);

    const resumed = await cli(buildFd, ["resume", String(rolloutId), "--force", "--token", secret]);
    expect(resumed.code).toBe(0);
    expect(findRollout(db, rolloutId)!.status).toBe("running");
  });

  it("a command whose answer was lost is retried with the same Idempotency-Key: answered once, not refused as stale", async () => {
    const secret = token(["read", "control"]);
    const keys: string[] = [];
    let dropped = false;
    const fetch = routeFetch({
      drop: (req) => {
        if (req.method !== "POST") return false;
        keys.push(req.headers.get("idempotency-key")!);
        return !dropped && (dropped = true);
      },
    });
    const r = await cli(buildFd, ["pause", String(rolloutId), "--token", secret], fetch);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);
    expect(sqlite.prepare("select count(*) as n from audit_events where action = 'rollout.pause'").get()).toEqual({ n: 1 });
  });

  it("a token without the scope exits 4 with the reason; an unknown rollout exits 2", async () => {
    const readOnly = token(["read"]);
    const denied = await cli(buildFd, ["abort", String(rolloutId), "--force", "--token", readOnly]);
    expect(denied.code).toBe(4);
    expect(denied.err).toMatch(/^Not allowed \(HTTP 403 FORBIDDEN\): .+\n/);
    expect(findRollout(db, rolloutId)!.status).toBe("running");

    const unknown = await cli(buildFd, ["status", "999999", "--token", readOnly]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^Not found \(HTTP 404 NOT_FOUND\): Rollout was not found\.\n/);

    const bad = await cli(buildFd, ["status", String(rolloutId), "--token", "fdk_not-a-token"]);
    expect(bad.code).toBe(4);
    expect(bad.err).toMatch(/^Not authenticated \(HTTP 401 UNAUTHENTICATED\)/);
  });
});
