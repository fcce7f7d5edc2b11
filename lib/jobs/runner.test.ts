import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "@/db/connection";
import { claimNextJob, enqueueJob, findJob, finishJob, renewLease } from "@/db/queries/jobs";
import { writeTransaction } from "@/db/transaction";
import { hostname } from "node:os";
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

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
};

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
