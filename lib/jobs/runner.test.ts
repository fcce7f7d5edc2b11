import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type Db, openDatabase } from "@/db/connection";
import { insertEnvironment, insertService } from "@/db/queries/catalog";
import { claimNextJob, enqueueJob, findJob, finishJob, renewLease } from "@/db/queries/jobs";
import { insertRollout } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { initialState } from "@/lib/domain/rollout/machine";
import { hostname } from "node:os";
import { until as poll } from "@/tests/support/wait";
import { rolloutHandlers } from "./handlers/rollout";
import { ANALYSIS_TICK_JOB, type JobKind, type JobPayloadInput, ROLLOUT_JOB, payloadOf, queueJob } from "./kinds";
import { defaultLanes, lockKeysOf, targetLockKey } from "./lanes";
import { type JobHandler, createJobRunner } from "./runner";
import { releaseDeadLocalLeases } from "./worker";

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

function tempDb() {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "fd-jobs-")), "jobs.db");
  const a = openDatabase(file);
  opened.push(a.sqlite);
  a.sqlite.exec("CREATE TABLE effects (job_id INTEGER NOT NULL, owner TEXT NOT NULL)");
  return { file, ...a };
}

function second(file: string) {
  const b = openDatabase(file);
  opened.push(b.sqlite);
  return b;
}

/** Waits until `cond` holds (state, not time: the budget only turns a hang into a failure). */
const until = (cond: () => boolean, ms = 20_000) => poll(() => (cond() ? true : undefined), ms);

describe("job queue", () => {
  it("an idempotency key turns a double-click into one job", () => {
    const { db } = tempDb();
    const a = writeTransaction(db, (tx) => enqueueJob(tx, { kind: "k", payload: { n: 1 }, runAt: 0, idempotencyKey: "start-42", now: 0 }));
    const b = writeTransaction(db, (tx) => enqueueJob(tx, { kind: "k", payload: { n: 2 }, runAt: 0, idempotencyKey: "start-42", now: 0 }));
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.job.id).toBe(a.job.id);
  });

  it("a claim takes a lease; an expired lease is reclaimed and fences off the old holder", () => {
    const { db } = tempDb();
    writeTransaction(db, (tx) => enqueueJob(tx, { kind: "k", payload: {}, runAt: 0, now: 0 }));
    const first = claimNextJob(db, "worker-a", 1000, 5000)!;
    expect(first).toMatchObject({ status: "running", leaseOwner: "worker-a", attempts: 1 });
    expect(claimNextJob(db, "worker-b", 5999, 5000)).toBeUndefined();
    const second = claimNextJob(db, "worker-b", 6001, 5000)!;
    expect(second).toMatchObject({ id: first.id, leaseOwner: "worker-b", attempts: 2 });
    expect(second.leaseToken).toBeGreaterThan(first.leaseToken);
    // The old holder can neither renew nor finish.
    expect(renewLease(db, first.id, first.leaseToken, 6002, 5000)).toBe(false);
    expect(finishJob(db, first.id, first.leaseToken, { status: "succeeded", now: 6002 })).toBe(false);
    expect(finishJob(db, second.id, second.leaseToken, { status: "succeeded", now: 6003 })).toBe(true);
    expect(findJob(db, first.id)).toMatchObject({ status: "succeeded" });
  });

  it("jobs are not claimed before their time", () => {
    const { db } = tempDb();
    writeTransaction(db, (tx) => enqueueJob(tx, { kind: "k", payload: {}, runAt: 10_000, now: 0 }));
    expect(claimNextJob(db, "w", 9_999, 5000)).toBeUndefined();
    expect(claimNextJob(db, "w", 10_000, 5000)).toBeDefined();
  });
});

describe("job runner", () => {
  it("two runners on separate connections execute each of 40 jobs exactly once", async () => {
    const { db, file, sqlite } = tempDb();
    const other = second(file);
    for (let i = 0; i < 40; i++) writeTransaction(db, (tx) => enqueueJob(tx, { kind: "effect", payload: { i }, runAt: 0, now: 0 }));
    const handler =
      (owner: string): JobHandler =>
      async (ctx) => {
        await new Promise((r) => setTimeout(r, 2));
        ctx.commit((tx) => tx.run(`INSERT INTO effects (job_id, owner) VALUES (${ctx.job.id}, '${owner}')`));
      };
    const a = createJobRunner({ db, owner: "a", handlers: { effect: handler("a") }, idlePollMs: 10 });
    const b = createJobRunner({ db: other.db, owner: "b", handlers: { effect: handler("b") }, idlePollMs: 10 });
    a.start();
    b.start();
    const done = () => (sqlite.prepare("SELECT count(*) AS n FROM jobs WHERE status = 'succeeded'").get() as { n: number }).n;
    await until(() => done() === 40);
    await Promise.all([a.stop(), b.stop()]);
    const rows = sqlite.prepare("SELECT job_id, count(*) AS n FROM effects GROUP BY job_id").all() as { n: number }[];
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.n === 1)).toBe(true);
  });

  it("heartbeats keep a long job's lease alive past the lease length", async () => {
    const { db, sqlite } = tempDb();
    writeTransaction(db, (tx) => enqueueJob(tx, { kind: "slow", payload: {}, runAt: 0, now: 0 }));
    let stolen: unknown;
    const runner = createJobRunner({
      db,
      owner: "a",
      leaseMs: 200,
      heartbeatMs: 50,
      handlers: {
        slow: async (ctx) => {
          await new Promise((r) => setTimeout(r, 600));
          stolen = claimNextJob(db, "thief", Date.now(), 200);
          ctx.commit((tx) => tx.run(`INSERT INTO effects (job_id, owner) VALUES (${ctx.job.id}, 'a')`));
        },
      },
    });
    runner.start();
    await until(() => (sqlite.prepare("SELECT status FROM jobs").get() as { status: string }).status === "succeeded");
    await runner.stop();
    expect(stolen).toBeUndefined();
  });

  it("a worker that lost its lease cannot commit (fencing token)", async () => {
    const { db, sqlite } = tempDb();
    writeTransaction(db, (tx) => enqueueJob(tx, { kind: "k", payload: {}, runAt: 0, now: 0 }));
    let commitError: unknown;
    const runner = createJobRunner({
      db,
      owner: "paused-worker",
      leaseMs: 100,
      heartbeatMs: 10_000, // this worker "hangs": no heartbeat arrives in time
      handlers: {
        k: async (ctx) => {
          await new Promise((r) => setTimeout(r, 150));
          claimNextJob(db, "new-owner", Date.now(), 5000); // the reaper hands the job to someone else
          try {
            ctx.commit((tx) => tx.run(`INSERT INTO effects (job_id, owner) VALUES (${ctx.job.id}, 'paused-worker')`));
          } catch (err) {
            commitError = err;
            throw err;
          }
        },
      },
    });
    runner.start();
    await until(() => commitError !== undefined);
    await runner.stop();
    expect(String(commitError)).toContain("lost");
    expect(sqlite.prepare("SELECT count(*) AS n FROM effects").get()).toEqual({ n: 0 });
    expect(sqlite.prepare("SELECT lease_owner FROM jobs").get()).toEqual({ lease_owner: "new-owner" });
  });

  it("a failing handler is retried with backoff, then marked failed with its error", async () => {
    const { db, sqlite } = tempDb();
    writeTransaction(db, (tx) => enqueueJob(tx, { kind: "boom", payload: {}, runAt: 0, now: 0 }));
    let calls = 0;
    const runner = createJobRunner({
      db,
      owner: "a",
      maxAttempts: 3,
      idlePollMs: 10,
      handlers: {
        boom: () => {
          calls++;
          throw new Error("driver exploded");
        },
      },
    });
    runner.start();
    await until(() => (sqlite.prepare("SELECT status FROM jobs").get() as { status: string }).status === "failed");
    await runner.stop();
    expect(calls).toBe(3);
    expect(sqlite.prepare("SELECT attempts, last_error FROM jobs").get()).toEqual({ attempts: 3, last_error: "driver exploded" });
  });
});

describe("worker restart", () => {
  it("jobs of a dead worker on this host are claimable at once; a live worker's lease is kept", () => {
    const { db } = tempDb();
    for (let i = 0; i < 2; i++) writeTransaction(db, (tx) => enqueueJob(tx, { kind: "k", payload: {}, runAt: 0, now: 0 }));
    const now = Date.now();
    const dead = claimNextJob(db, `worker-${hostname()}-999999999`, now, 5000)!;
    claimNextJob(db, `worker-${hostname()}-${process.pid}`, now, 5000);
    expect(claimNextJob(db, "new", now + 1, 5000)).toBeUndefined();
    expect(releaseDeadLocalLeases(db)).toEqual([`worker-${hostname()}-999999999`]);
    expect(claimNextJob(db, "new", now + 1, 5000)).toMatchObject({ id: dead.id, leaseOwner: "new" });
    expect(claimNextJob(db, "new", now + 2, 5000)).toBeUndefined();
  });
});

/** Two services in two environments and rollouts on them: the targets the lane tests lock. */
function targets(db: Db) {
  const at = Date.now();
  const env1 = insertEnvironment(db, { name: "env-1", createdAt: at });
  const env2 = insertEnvironment(db, { name: "env-2", createdAt: at });
  const service = (name: string) => insertService(db, { name, owner: "team", deployTarget: "{}", createdAt: at, updatedAt: at });
  const [a, b] = [service("service-a"), service("service-b")];
  let n = 0;
  const rollout = (s: { id: number }, e: { id: number }) =>
    insertRollout(db, { serviceId: s.id, environmentId: e.id, fromVersion: "1.0.0", toVersion: "1.1.0", strategy: "{}", plan: "[]", ...initialState(), idempotencyKey: `test-${++n}`, createdAt: at, updatedAt: at }).id;
  let k = 0;
  const queue = <K extends JobKind>(kind: K, payload: JobPayloadInput<K>) => writeTransaction(db, (tx) => queueJob(tx, kind, payload, { runAt: 0, key: `test:${++k}`, now: 0 })).job.id;
  return { a, b, env1, env2, rollout, queue };
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const statusOf = (db: Db, id: number) => findJob(db, id)?.status;

describe("lanes", () => {
  it("kinds go to their lane; kinds outside the registry are housekeeping", () => {
    const lanes = defaultLanes([ANALYSIS_TICK_JOB, ROLLOUT_JOB.rollback, ROLLOUT_JOB.deadline, ROLLOUT_JOB.step, "release.migrate", "health.probe", "something.new"]);
    expect(lanes.map((l) => [l.name, l.kinds])).toEqual([
      ["safety", [ANALYSIS_TICK_JOB, ROLLOUT_JOB.rollback, ROLLOUT_JOB.deadline]],
      ["steps", [ROLLOUT_JOB.step, "release.migrate"]],
      ["housekeeping", ["health.probe", "something.new"]],
    ]);
    const { db } = tempDb();
    expect(() => createJobRunner({ db, owner: "w", handlers: { a: () => undefined }, lanes: [{ name: "only", concurrency: 1, kinds: ["b"] }] })).toThrow(/No lane runs job kind\(s\) a/);
  });

  it("a rollout job locks its rollout's target; ticks, deadlines, unknown kinds and bad payloads lock nothing", () => {
    const { db } = tempDb();
    const t = targets(db);
    const ra = t.rollout(t.a, t.env1);
    const job = (kind: string, payload: unknown) => ({ kind, payload: JSON.stringify(payload) });
    for (const kind of [ROLLOUT_JOB.step, ROLLOUT_JOB.wake, ROLLOUT_JOB.watch, ROLLOUT_JOB.rollback]) {
      const payload = { rolloutId: ra, stepIndex: 0, rowVersion: 1, n: 1 };
      expect(lockKeysOf(db, job(kind, payload)), kind).toEqual([targetLockKey(t.a.id, t.env1.id)]);
    }
    expect(lockKeysOf(db, job(ANALYSIS_TICK_JOB, { rolloutId: ra, n: 1 }))).toEqual([]);
    expect(lockKeysOf(db, job(ROLLOUT_JOB.deadline, { rolloutId: ra }))).toEqual([]);
    expect(lockKeysOf(db, job("something.new", { rolloutId: ra }))).toEqual([]);
    expect(lockKeysOf(db, job(ROLLOUT_JOB.rollback, { rolloutId: "x" }))).toEqual([]);
    expect(lockKeysOf(db, job(ROLLOUT_JOB.rollback, { rolloutId: 999 }))).toEqual([]);
  });

  it("safety never waits: ticks and another target's rollback finish while a long step runs; a rollback of the step's target waits for it without spending an attempt", async () => {
    const { db } = tempDb();
    const t = targets(db);
    const [ra, rb] = [t.rollout(t.a, t.env1), t.rollout(t.b, t.env2)];
    const step = gate();
    let stepRunning = false;
    const events: string[] = [];
    const logs: string[] = [];
    const record: JobHandler = (ctx) => {
      events.push(`${ctx.job.kind} #${ctx.job.id}`);
    };
    const runner = createJobRunner({
      db,
      owner: "w",
      idlePollMs: 20,
      log: (m) => logs.push(m),
      handlers: {
        [ROLLOUT_JOB.step]: async () => {
          stepRunning = true;
          await step.opened;
          events.push("step done");
        },
        [ANALYSIS_TICK_JOB]: record,
        [ROLLOUT_JOB.rollback]: record,
      },
    });
    const stepJob = t.queue(ROLLOUT_JOB.step, { rolloutId: ra, stepIndex: 0, rowVersion: 1 });
    runner.start();
    try {
      await until(() => stepRunning);
      const tickB = t.queue(ANALYSIS_TICK_JOB, { rolloutId: rb, n: 1 });
      const rollbackB = t.queue(ROLLOUT_JOB.rollback, { rolloutId: rb, reason: "bad canary" });
      const tickA = t.queue(ANALYSIS_TICK_JOB, { rolloutId: ra, n: 1 });
      const rollbackA = t.queue(ROLLOUT_JOB.rollback, { rolloutId: ra, reason: "bad canary" });
      runner.poke();
      await until(() => [tickB, rollbackB, tickA].every((id) => statusOf(db, id) === "succeeded"));
      await until(() => logs.some((m) => m.startsWith(`job ${rollbackA} `) && m.includes(`waits for ${targetLockKey(t.a.id, t.env1.id)}`)));
      // The step is still running: safety work did not queue behind it.
      expect(statusOf(db, stepJob)).toBe("running");
      expect(events).not.toContain("step done");
      expect(findJob(db, rollbackA)).toMatchObject({ status: "queued", attempts: 0 });
      step.open();
      await until(() => statusOf(db, rollbackA) === "succeeded");
      expect(statusOf(db, stepJob)).toBe("succeeded");
      expect(events.indexOf("step done")).toBeLessThan(events.indexOf(`${ROLLOUT_JOB.rollback} #${rollbackA}`));
      expect(findJob(db, rollbackA)).toMatchObject({ attempts: 1 });
    } finally {
      step.open();
      await runner.stop();
    }
  });

  it("steps of one target never overlap; steps of different targets do", async () => {
    const { db } = tempDb();
    const t = targets(db);
    const [a1, a2, b] = [t.rollout(t.a, t.env1), t.rollout(t.a, t.env1), t.rollout(t.b, t.env2)];
    const gates = new Map([a1, a2, b].map((id) => [id, gate()]));
    const running = new Set<number>();
    const seen: number[][] = [];
    const logs: string[] = [];
    const runner = createJobRunner({
      db,
      owner: "w",
      idlePollMs: 20,
      log: (m) => logs.push(m),
      handlers: {
        [ROLLOUT_JOB.step]: async (ctx) => {
          const { rolloutId } = payloadOf(ctx.job, ROLLOUT_JOB.step);
          running.add(rolloutId);
          seen.push([...running]);
          await gates.get(rolloutId)!.opened;
          running.delete(rolloutId);
        },
      },
    });
    const jobs = [a1, a2, b].map((rolloutId) => t.queue(ROLLOUT_JOB.step, { rolloutId, stepIndex: 0, rowVersion: 1 }));
    runner.start();
    try {
      // Claimed in order: a1 runs, a2 waits for service A's lock, b takes the lane's second slot.
      await until(() => running.has(a1) && running.has(b));
      await until(() => logs.some((m) => m.startsWith(`job ${jobs[1]} `) && m.includes("waits for")));
      expect(running.has(a2)).toBe(false);
      gates.get(a1)!.open();
      await until(() => running.has(a2));
      expect(running.has(a1)).toBe(false);
      expect(running.has(b)).toBe(true); // a2 overlaps b (different targets) but never a1
      gates.get(a2)!.open();
      gates.get(b)!.open();
      await until(() => jobs.every((id) => statusOf(db, id) === "succeeded"));
      expect(seen.some((ids) => ids.includes(a1) && ids.includes(a2))).toBe(false);
      expect(jobs.map((id) => findJob(db, id)?.attempts)).toEqual([1, 1, 1]);
    } finally {
      for (const g of gates.values()) g.open();
      await runner.stop();
    }
  });

  it("a job with a malformed payload fails at once with a message naming the job and the bad fields", async () => {
    const { db } = tempDb();
    const id = writeTransaction(db, (tx) => enqueueJob(tx, { kind: ROLLOUT_JOB.step, payload: { rolloutId: "seven", stepIndex: 0 }, runAt: 0, now: 0 })).job.id;
    const runner = createJobRunner({ db, owner: "w", idlePollMs: 20, handlers: rolloutHandlers(db) });
    runner.start();
    try {
      await until(() => statusOf(db, id) === "failed");
    } finally {
      await runner.stop();
    }
    const job = findJob(db, id)!;
    expect(job.attempts).toBe(1); // retrying cannot fix a payload
    expect(job.lastError).toMatch(new RegExp(`^Job ${id} \\(rollout\\.step\\) has an invalid payload: rolloutId: .*expected (a )?number.*; rowVersion: `, "i"));
  });
});
