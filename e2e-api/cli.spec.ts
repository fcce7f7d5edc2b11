import { mkdirSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { type CliResult, type RolloutBody, cli, getJson, rollouts, startedId, strategyFile, waitIdle } from "./support/cli";
import { createToken } from "./support/server";

// The CLI (issue 11, N2) against `next start` + the real worker + the local driver on the demo
// database: each journey runs `npm run -s deploy:canary | rollback | fd` as CI would and checks
// the exit code and what it printed. Staging and production each take one live rollout at a
// time, so every journey waits (on state) until its environment is idle and leaves it idle.

let captain = "";
let security = "";
let reader = "";
/** Strategy files by name: canary steps of [weight %, hold seconds]; short holds keep the suite quick. */
const STRATEGIES = {
  quick: [[50, 2], [100, 0]],
  // Half the traffic on a bad canary (20% 5xx): the analysis decides within seconds.
  bad: [[50, 120], [100, 0]],
  long: [[10, 600], [100, 0]],
} as const;
const strategy: Record<keyof typeof STRATEGIES, string> = { quick: "", bad: "", long: "" };

/** `npm run deploy:canary` of sample-api as the captain. */
const deployCanary = (env: string, version: string, ...extra: string[]) => cli("deploy:canary", ["--service", "sample-api", "--env", env, "--version", version, ...extra], captain);

const expectExit = (r: CliResult, code: number) => expect(r.code, `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(code);
/** No stack trace in anything the CLI printed. */
const noStack = (r: CliResult) => expect(`${r.stdout}${r.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+/);

test.beforeAll(async ({ request }, info) => {
  captain = createToken("captain@flightdeck.local", { scopes: ["read", "deploy", "control", "rollback"], name: "e2e-api cli captain" });
  security = createToken("security@flightdeck.local", { scopes: ["read", "security"], name: "e2e-api cli security" });
  reader = createToken("viewer@flightdeck.local", { scopes: ["read"], name: "e2e-api cli viewer" });
  const dir = info.outputPath();
  mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(STRATEGIES) as (keyof typeof STRATEGIES)[]) strategy[name] = strategyFile(dir, name, STRATEGIES[name]);
  // Demo mode deploys 1.0.0 everywhere first.
  for (const env of ["staging", "production"]) {
    await expect.poll(async () => (await rollouts(request, reader, env)).length, { timeout: 60_000 }).toBeGreaterThan(0);
    await waitIdle(request, reader, env);
  }
});

test("deploy:canary --wait of 1.1.0 in staging follows every step and exits 0", async ({ request }) => {
  test.setTimeout(120_000);
  await waitIdle(request, reader, "staging");
  const r = await deployCanary("staging", "1.1.0", "--strategy", strategy.quick, "--wait");
  expectExit(r, 0);
  const id = startedId(r.stdout);
  expect(r.stdout).toMatch(new RegExp(`Started rollout #${id}: sample-api 1\\.0\\.0 -> 1\\.1\\.0 in staging \\((pending|running)\\)\\.`));
  // Plain lines (not a TTY): the steps as they happen, then the outcome.
  expect(r.stdout).toMatch(new RegExp(`rollout #${id} running: step 2/4 shift to 50%, weight 50%`));
  expect(r.stdout.trim().split("\n").at(-1)).toBe(`rollout #${id} of sample-api 1.1.0 in staging succeeded.`);
  expect((await getJson<RolloutBody>(request, `/api/v1/rollouts/${id}`, reader)).status).toBe("succeeded");
});

test("deploy:canary --wait of 1.1.0-bad is rolled back by the analysis and exits 1 with the decision sentence", async ({ request }) => {
  test.setTimeout(150_000);
  await waitIdle(request, reader, "staging");
  const r = await deployCanary("staging", "1.1.0-bad", "--strategy", strategy.bad, "--wait");
  expectExit(r, 1);
  const id = startedId(r.stdout);
  const rollout = await getJson<RolloutBody>(request, `/api/v1/rollouts/${id}`, reader);
  expect(rollout.status).toBe("rolled_back");
  expect(rollout.reason).toMatch(/canary 5xx/);
  // The last line ends with the decision sentence, verbatim.
  const last = r.stdout.trim().split("\n").at(-1)!;
  expect(last.startsWith(`rollout #${id} of sample-api 1.1.0-bad in staging`)).toBe(true);
  expect(last.endsWith(`: ${rollout.reason}`)).toBe(true);
  noStack(r);
});

test("rollback prints the plan and changes nothing; rollback --apply --wait rolls back", async ({ request }) => {
  test.setTimeout(120_000);
  await waitIdle(request, reader, "staging");
  const before = await rollouts(request, reader, "staging");
  const dry = await cli("rollback", ["--service", "sample-api", "--env", "staging"], captain);
  expectExit(dry, 0);
  expect(dry.stdout).toContain("Rollback plan of sample-api in staging (dry run: nothing was changed)");
  expect(dry.stdout).toContain("  from:   1.1.0\n  to:     1.0.0\n  source: last known good before the current version\n  steps:\n    1. Deploy 1.0.0 beside 1.1.0");
  expect(await rollouts(request, reader, "staging")).toEqual(before);

  const applied = await cli("rollback", ["--service", "sample-api", "--env", "staging", "--apply", "--reason", "5xx after 1.1.0 (e2e)", "--wait"], captain);
  expectExit(applied, 0);
  expect(applied.stdout).toContain("Rolling back sample-api in staging by this plan:\n  from:   1.1.0\n  to:     1.0.0\n");
  expect(applied.stdout).toMatch(/Rollback #\d+ executed: rollout #\d+ of sample-api in staging 1\.1\.0 -> 1\.0\.0/);
  const id = startedId(applied.stdout.slice(applied.stdout.indexOf("executed")));
  expect(applied.stdout.trim().split("\n").at(-1)).toBe(`rollout #${id} of sample-api 1.0.0 in staging succeeded.`);
  const after = await rollouts(request, reader, "staging");
  expect(after).toHaveLength(before.length + 1);
  expect(after[0]).toMatchObject({ id, fromVersion: "1.1.0", toVersion: "1.0.0", status: "succeeded" });
  // The next plan starts from what runs now.
  const next = await cli("rollback", ["--service", "sample-api", "--env", "staging", "--json"], reader);
  expectExit(next, 0);
  expect(JSON.parse(next.stdout)).toMatchObject({ event: "plan", plan: { ok: true, from: "1.0.0" } });
});

test("enforce mode: a production canary exits 3 with the policy's reasons until a security token creates an override", async ({ request }) => {
  test.setTimeout(120_000);
  await waitIdle(request, reader, "production");
  const gate = JSON.parse((await cli("fd", ["gate", "--json"], security)).stdout) as { gate: { mode: string } };
  const deploy = () => deployCanary("production", "1.1.0", "--strategy", strategy.long);
  const overrides: number[] = [];
  /** `fd override` as Security; remembers the override to revoke it after. */
  const createOverride = async (action: string, reason: string) => {
    const r = await cli("fd", ["override", "--action", action, "--env", "production", "--reason", reason, "--ttl", "30", "--json"], security);
    expectExit(r, 0);
    const { override } = JSON.parse(r.stdout) as { override: { id: number; action: string; environment: string; status: string } };
    expect(override).toMatchObject({ action, environment: "production", status: "active" });
    overrides.push(override.id);
  };
  try {
    expectExit(await cli("fd", ["gate", "mode", "enforce", "--reason", "e2e: enforce the gate"], security), 0);
    const blocked = await deploy();
    expectExit(blocked, 3);
    expect(blocked.stderr).toContain("Blocked by policy:\n  reason: Production actions require explicit override\n  requires: override:deploy.canary.start@production\n");
    noStack(blocked);

    // The captain's token has no security scope: refused (4); the security team's creates it.
    const notSecurity = await cli("fd", ["override", "--action", "deploy.canary.start", "--env", "production", "--reason", "Release 1.1.0 approved (e2e)", "--ttl", "30"], captain);
    expectExit(notSecurity, 4);
    expect(notSecurity.stderr).toMatch(/^Not allowed \(HTTP 403 FORBIDDEN\)/);
    await createOverride("deploy.canary.start", "Release 1.1.0 approved (e2e)");

    const started = await deploy();
    expectExit(started, 0);
    const id = startedId(started.stdout);
    expect(started.stdout).toContain(`Started rollout #${id}: sample-api 1.0.0 -> 1.1.0 in production (`);

    // Aborting in production under enforce is a rollback: it needs its own override.
    await createOverride("deploy.rollback", "Abort the e2e canary (e2e)");
    const aborted = await cli("fd", ["abort", String(id), "--reason", "e2e: done with it", "--wait"], captain);
    expectExit(aborted, 0);
    expect(aborted.stdout.trim().split("\n").at(-1)).toBe(`rollout #${id} of sample-api 1.1.0 in production rolled back: e2e: done with it`);
  } finally {
    // Leave the shared server as found: no overrides of ours, the gate in its mode.
    for (const id of overrides) await request.delete(`/api/deploy-safety/security-gate/override/${id}`, { headers: { authorization: `Bearer ${security}` } });
    await cli("fd", ["gate", "mode", gate.gate.mode, "--reason", "e2e: restore the gate"], security);
  }
  expect(JSON.parse((await cli("fd", ["gate", "--json"], reader)).stdout)).toMatchObject({ gate: { mode: gate.gate.mode } });
});

test("lockdown blocks a canary with its reason (exit 3); the gate is restored after", async ({ request }) => {
  await waitIdle(request, reader, "staging");
  const gate = JSON.parse((await cli("fd", ["gate", "--json"], security)).stdout) as { gate: { mode: string } };
  try {
    const lock = await cli("fd", ["gate", "mode", "lockdown", "--reason", "Security incident INC-7 investigation"], security);
    expectExit(lock, 0);
    expect(lock.stdout).toContain("Security gate: lockdown (Security incident INC-7 investigation)");
    const before = await rollouts(request, reader, "staging");
    const blocked = await deployCanary("staging", "1.2.0");
    expectExit(blocked, 3);
    expect(blocked.stderr).toContain("  reason: Action blocked by security gate: lockdown (Security incident INC-7 investigation)\n");
    const rollback = await cli("rollback", ["--service", "sample-api", "--env", "staging", "--apply", "--reason", "during lockdown (e2e)"], captain);
    expectExit(rollback, 3);
    expect(rollback.stderr).toContain("Action blocked by security gate: lockdown (Security incident INC-7 investigation)");
    expect(await rollouts(request, reader, "staging")).toEqual(before);
  } finally {
    await cli("fd", ["gate", "mode", gate.gate.mode, "--reason", "e2e: incident closed"], security);
  }
  const restored = await cli("fd", ["gate"], reader);
  expectExit(restored, 0);
  expect(restored.stdout).toContain(`Security gate: ${gate.gate.mode}`);
});

test("a bad token exits 4; a token beyond its scope exits 4 with the reason; an approval is never decided with a token", async ({ request }) => {
  const bad = await cli("fd", ["status", "1"], "fdk_000000000000000000000000000000AAAAAA");
  expectExit(bad, 4);
  expect(bad.stderr).toMatch(/^Not authenticated \(HTTP 401 UNAUTHENTICATED\)/);
  noStack(bad);

  const viewer = await cli("deploy:canary", ["--service", "sample-api", "--env", "staging", "--version", "1.2.0"], reader);
  expectExit(viewer, 4);
  expect(viewer.stderr).toMatch(/^Not allowed \(HTTP 403 FORBIDDEN\)/);

  // A sentinel approves in the browser; their token never can (D1-D5), whatever approval it names.
  const sentinel = createToken("sentinel@flightdeck.local", { scopes: ["read"], name: "e2e-api cli sentinel" });
  const res = await request.post("/api/v1/approvals/1/decide", { headers: { authorization: `Bearer ${sentinel}`, "idempotency-key": "e2e-cli-approve-1" }, data: { decision: "approve" } });
  expect(res.status()).toBe(403);
  expect(res.headers()["content-type"]).toContain("application/problem+json");
  expect(await res.json()).toMatchObject({ code: "FORBIDDEN", detail: expect.stringContaining("API tokens cannot approve") });
});

test("--timeout 1 on a long hold exits 5 and the rollout goes on", async ({ request }) => {
  test.setTimeout(90_000);
  await waitIdle(request, reader, "staging");
  const r = await deployCanary("staging", "1.2.0", "--strategy", strategy.long, "--wait", "--timeout", "1", "--json");
  expectExit(r, 5);
  // --json: one object per line per event.
  const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { event: string; rollout?: RolloutBody; exitCode?: number });
  expect(events[0]!.event).toBe("started");
  expect(events.at(-1)).toMatchObject({ event: "timeout", exitCode: 5 });
  const id = events[0]!.rollout!.id;
  expect(["pending", "running"]).toContain((await getJson<RolloutBody>(request, `/api/v1/rollouts/${id}`, reader)).status);
  expectExit(await cli("fd", ["abort", String(id), "--reason", "e2e: timeout journey done", "--wait"], captain), 0);
});

test("a paused rollout makes --wait exit 6 (waiting for a person)", async ({ request }) => {
  test.setTimeout(90_000);
  await waitIdle(request, reader, "staging");
  const waiting = deployCanary("staging", "1.2.0", "--strategy", strategy.long, "--wait");
  // Pause it once it holds at 10%.
  let id = 0;
  await expect
    .poll(
      async () => {
        const [latest] = await rollouts(request, reader, "staging");
        id = latest!.id;
        return `${latest!.toVersion} ${latest!.status} ${latest!.phase} ${latest!.weight}`;
      },
      { timeout: 60_000 },
    )
    .toBe("1.2.0 running hold 10");
  expectExit(await cli("fd", ["pause", String(id), "--reason", "look at the p95 first"], captain), 0);
  const r = await waiting;
  expectExit(r, 6);
  expect(r.stdout.trim().split("\n").at(-1)).toContain(`rollout #${id} of sample-api 1.2.0 in staging is paused and waiting for a person`);
  const status = await cli("fd", ["status", String(id)], reader);
  expectExit(status, 6);
  expectExit(await cli("fd", ["abort", String(id), "--reason", "e2e: pause journey done", "--wait"], captain), 0);
});
