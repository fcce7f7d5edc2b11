import { writeFileSync } from "node:fs";
import path from "node:path";
import type Database from "better-sqlite3";
import type { Command } from "commander";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { Db } from "@/db/connection";
import { findEnvironmentByName, findServiceByName } from "@/db/queries/catalog";
import { findRollout } from "@/db/queries/rollouts";
import type { Actor } from "@/lib/domain/actor";
import { createTokenInput } from "@/lib/domain/api-token";
import { startRolloutInput } from "@/lib/domain/rollout/inputs";
import { startRollout } from "@/lib/services/rollouts/start-rollout";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { buildDeployCanary } from "@/scripts/cli/commands/deploy-canary";
import { buildFd } from "@/scripts/cli/commands/fd";
import { buildRollback } from "@/scripts/cli/commands/rollback";
import { type CliIo, runCli } from "@/scripts/cli/lib/program";
import { setSecurityGate } from "@/lib/services/security/set-security-gate";
import { freshApiDbPerTest } from "../support/api-v1";
import { insertUserWithRoles, makeTempDir, snapshot } from "../support/db";
import { routeFetch } from "./support/route-fetch";

// The CLI against the real route handlers in-process (real SQLite, real tokens): what it sends
// (If-Match from a GET, Idempotency-Key reused on a retry) and how it reads the answers.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: (await import("../support/request-double")).sessionDouble }));
vi.mock("next/headers", async () => {
  const d = await import("../support/request-double");
  return { headers: d.headersDouble, cookies: d.cookiesDouble };
});

const tmp = makeTempDir();
afterAll(() => tmp.cleanup());
let db: Db;
let sqlite: Database.Database;
let captain: Actor;
let rolloutId = 0;

freshApiDbPerTest((fresh) => {
  ({ db, sqlite, captain } = fresh);
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

describe("deploy:canary and rollback against the real routes", () => {
  const rolloutCount = () => (sqlite.prepare("select count(*) as n from rollouts").get() as { n: number }).n;

  it("deploy:canary starts one rollout, even when its answer was lost and the start retried", async () => {
    const secret = token(["read", "deploy"]);
    let dropped = false;
    const fetch = routeFetch({ drop: (req) => req.method === "POST" && !dropped && (dropped = true) });
    const before = rolloutCount();
    const r = await cli(buildDeployCanary, ["--service", "sample-api", "--env", "production", "--version", "3.1.0", "--token", secret], fetch);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    const id = rolloutCount() === before + 1 ? (sqlite.prepare("select max(id) as id from rollouts").get() as { id: number }).id : -1;
    expect(r.out).toMatch(new RegExp(`^Started rollout #${id}: sample-api \\(none\\) -> 3\\.1\\.0 in production \\((pending|running)\\)\\.\nFollow it: npm run fd -- watch ${id}\n$`));
  });

  it("a policy block exits 3 with the reasons and requires verbatim; a strategy the server refuses exits 2 with its field", async () => {
    const securityLead = insertUserWithRoles(db, "sec@example.test", ["security"]);
    setSecurityGate(securityLead, { mode: "enforce" });
    const secret = token(["read", "deploy"]);
    const before = snapshot(sqlite);
    const blocked = await cli(buildDeployCanary, ["--service", "sample-api", "--env", "production", "--version", "3.1.0", "--token", secret]);
    expect(blocked.code).toBe(3);
    expect(blocked.err).toMatch(/^Blocked by policy:\n {2}reason: Production actions require explicit override\n {2}requires: override:deploy\.canary\.start@production\n {2}\(request id [0-9a-f-]{36}\)\n$/);
    expect(snapshot(sqlite).rollouts).toEqual(before.rollouts);

    const file = path.join(tmp.dir, "strategy.json");
    writeFileSync(file, JSON.stringify({ kind: "canary", steps: [{ weight: 150, holdSeconds: 0 }] }));
    const invalid = await cli(buildDeployCanary, ["--service", "sample-api", "--env", "staging", "--version", "3.1.0", "--strategy", file, "--token", secret]);
    expect(invalid.code).toBe(2);
    expect(invalid.err).toMatch(/^Invalid request \(HTTP 400 INVALID\): .*\n {2}strategy: .*Weights cannot exceed 100%/);
  });

  it("--timeout implies --wait: the start is followed and gives up with exit 5 while the rollout goes on", async () => {
    const r = await cli(buildDeployCanary, ["--service", "sample-api", "--env", "production", "--version", "3.1.0", "--timeout", "0.01", "--json", "--token", token(["read", "deploy"])]);
    expect(r.err).toBe("");
    expect(r.code).toBe(5);
    const events = r.out.trim().split("\n").map((l) => JSON.parse(l) as { event: string; rollout?: { id: number } });
    expect(events[0]!.event).toBe("started");
    expect(events.at(-1)).toMatchObject({ event: "timeout", exitCode: 5 });
    expect(findRollout(db, events[0]!.rollout!.id)!.status).not.toBe("succeeded");
  });

  it("rollback prints the plan and changes nothing (the one service by default); --apply aborts the live rollout", async () => {
    const secret = token(["read", "rollback"]);
    const before = snapshot(sqlite);
    const dry = await cli(buildRollback, ["--env", "staging", "--token", secret]);
    expect(dry.err).toBe("");
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("Rollback plan of sample-api in staging (dry run: nothing was changed)\n  from:   3.0.0\n  to:     nothing\n");
    expect(dry.out).toContain(`  source: live rollout #${rolloutId}`);
    expect(snapshot(sqlite).rollouts).toEqual(before.rollouts);

    const applied = await cli(buildRollback, ["--service", "sample-api", "--env", "staging", "--apply", "--reason", "p95 doubled", "--token", secret]);
    expect(applied.err).toBe("");
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(new RegExp(`Rollback #\\d+ executed: rollout #${rolloutId} of sample-api in staging aborts 3\\.0\\.0 \\(rolling back\\)\\.`));
    expect(findRollout(db, rolloutId)!.status).toBe("rolling_back");
  });
});

describe("fd gate and fd override against the real routes", () => {
  it("sets the mode and creates an override as Security; a captain's token is refused (4)", async () => {
    const securityLead = insertUserWithRoles(db, "sec@example.test", ["security"]);
    const secret = createApiToken(securityLead, createTokenInput.parse({ name: "sec", scopes: ["read", "security"] })).secret;
    const lock = await cli(buildFd, ["gate", "mode", "lockdown", "--reason", "INC-9 investigation", "--token", secret]);
    expect(lock.err).toBe("");
    expect(lock.code).toBe(0);
    expect(lock.out).toBe("Security gate: lockdown (INC-9 investigation)\n  threat level: none\n  active overrides: 0\n");
    expect((await cli(buildFd, ["gate", "mode", "enforce", "--reason", "closed", "--token", secret])).code).toBe(0);

    const created = await cli(buildFd, ["override", "--action", "deploy.rollback", "--env", "production", "--reason", "Emergency: P1 incident INC-123", "--ttl", "30", "--token", secret]);
    expect(created.err).toBe("");
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^Override #\d+ created: deploy\.rollback in production until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\.\n$/);
    const status = await cli(buildFd, ["gate", "--token", secret]);
    expect(status.out).toBe("Security gate: enforce\n  threat level: none\n  active overrides: 1\n");

    const refused = await cli(buildFd, ["gate", "mode", "monitor", "--reason", "x", "--token", token(["read", "control"])]);
    expect(refused.code).toBe(4);
  });
});
