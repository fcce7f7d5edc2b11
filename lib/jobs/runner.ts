import "server-only";
import type { Db, Tx } from "@/db/connection";
import { type JobRow, claimNextJob, finishJob, nextDueAt, renewLease, unclaimJob } from "@/db/queries/jobs";
import { writeTransaction } from "@/db/transaction";
import { InvalidPayloadError } from "./kinds";
import { type Lane, defaultLanes, lockKeysOf } from "./lanes";

/** Thrown when a job's lease was taken over: whatever the old holder wanted to commit is dropped. */
export class LeaseLostError extends Error {
  constructor(jobId: number) {
    super(`Lease on job ${jobId} was lost to another worker.`);
    this.name = "LeaseLostError";
  }
}

export interface JobContext {
  job: JobRow;
  /** Aborted when the lease is lost or the runner stops. */
  signal: AbortSignal;
  /**
   * Commits `fn` only while this worker still holds the lease (fencing token checked and the
   * lease renewed in the same transaction), so a worker that lost its job can never write.
   */
  commit<T>(fn: (tx: Tx) => T): T;
  /**
   * Takes a target lock for part of a job (reconcile: one target at a time) without waiting: a
   * release function, or null while another job holds it. Absent when a test calls a handler directly.
   */
  tryLock?(key: string): (() => void) | null;
}

export type JobHandler = (ctx: JobContext) => Promise<void> | void;

export interface RunnerOptions {
  db: Db;
  owner: string;
  handlers: Record<string, JobHandler>;
  leaseMs?: number;
  heartbeatMs?: number;
  /** Longest idle sleep; a new job is also noticed through `poke()`. */
  idlePollMs?: number;
  maxAttempts?: number;
  now?: () => number;
  log?: (msg: string) => void;
  /** Lanes with their kinds and concurrency; by default derived from the handlers' kinds (lanes.ts). */
  lanes?: readonly Lane[];
  /** The target locks a job holds while it runs; by default resolved from its payload (lanes.ts). */
  lockKeysOf?: (job: JobRow) => string[];
}

/** A failure worth retrying later (the handler decides); anything else fails the job after maxAttempts. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/**
 * Durable job runner (REQUIREMENTS G1): each lane claims due jobs of its kinds with a lease, up to its
 * concurrency; the lease is renewed every second while a handler runs and the job is finished under
 * the fencing token. At-least-once delivery + idempotent handlers = exactly-once effects.
 */
export function createJobRunner(opts: RunnerOptions) {
  const leaseMs = opts.leaseMs ?? 5000;
  const heartbeatMs = opts.heartbeatMs ?? 1000;
  const idlePollMs = opts.idlePollMs ?? 250;
  const maxAttempts = opts.maxAttempts ?? 5;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => undefined);
  const kinds = Object.keys(opts.handlers);
  const lanes = (opts.lanes ?? defaultLanes(kinds)).map((l) => ({ ...l, kinds: l.kinds.filter((k) => kinds.includes(k)) })).filter((l) => l.kinds.length > 0);
  const laneless = kinds.filter((k) => !lanes.some((l) => l.kinds.includes(k)));
  if (laneless.length) throw new Error(`No lane runs job kind(s) ${laneless.join(", ")}.`);
  const locksOf = opts.lockKeysOf ?? ((job: JobRow) => lockKeysOf(opts.db, job));

  let stopped = true;
  let loops: Promise<void>[] = [];
  const wakers = new Set<() => void>();
  const running = new Set<AbortController>();
  const tasks = new Set<Promise<void>>();
  // Locks live in this process: across workers the lease and idempotent driver operations stay the guard.
  const held = new Set<string>();
  /** Jobs handed back because a lock was busy -> the locks they wait for; claims skip them until one is freed. */
  const parked = new Map<number, readonly string[]>();

  function pokeAll() {
    for (const wake of [...wakers]) wake();
  }

  function unlock(keys: Iterable<string>) {
    const freed = new Set(keys);
    for (const k of freed) held.delete(k);
    for (const [id, waits] of parked) if (waits.some((k) => freed.has(k))) parked.delete(id);
  }

  /** A failed attempt: retried later (RetryLaterError, or attempts left), else failed for good. */
  function failAttempt(job: JobRow, err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    // A payload that does not fit its kind will not fit on a retry either.
    const retry = !(err instanceof InvalidPayloadError) && (err instanceof RetryLaterError || job.attempts < maxAttempts);
    const delay = err instanceof RetryLaterError ? err.delayMs : Math.min(30_000, 500 * 2 ** (job.attempts - 1));
    finishJob(opts.db, job.id, job.leaseToken, retry ? { status: "queued", now: now(), error: message, runAt: now() + delay } : { status: "failed", now: now(), error: message });
    log(`job ${job.id} (${job.kind}) ${retry ? `will retry in ${delay} ms` : "failed"}: ${message}`);
  }

  /** Runs a claimed job holding `keys`; never rejects, and releases every lock it held. */
  async function runOne(job: JobRow, keys: readonly string[]): Promise<void> {
    const controller = new AbortController();
    running.add(controller);
    const extra = new Set<string>();
    const beat = setInterval(() => {
      try {
        if (!renewLease(opts.db, job.id, job.leaseToken, now(), leaseMs)) controller.abort(new LeaseLostError(job.id));
      } catch (err) {
        log(`heartbeat of job ${job.id} failed: ${String(err)}`);
      }
    }, heartbeatMs);
    const ctx: JobContext = {
      job,
      signal: controller.signal,
      commit: (fn) =>
        writeTransaction(opts.db, (tx) => {
          if (!renewLease(tx, job.id, job.leaseToken, now(), leaseMs)) throw new LeaseLostError(job.id);
          return fn(tx);
        }),
      tryLock: (key) => {
        if (held.has(key)) return null;
        held.add(key);
        extra.add(key);
        return () => {
          if (!extra.delete(key)) return;
          unlock([key]);
          pokeAll();
        };
      },
    };
    try {
      await opts.handlers[job.kind]!(ctx);
      if (!finishJob(opts.db, job.id, job.leaseToken, { status: "succeeded", now: now() })) log(`job ${job.id} finished after its lease was lost`);
    } catch (err) {
      try {
        if (err instanceof LeaseLostError || controller.signal.reason instanceof LeaseLostError) log(`job ${job.id}: lease lost, leaving it to its new owner`);
        else failAttempt(job, err);
      } catch (inner) {
        log(`job ${job.id}: could not record its failure: ${String(inner)}`);
      }
    } finally {
      clearInterval(beat);
      running.delete(controller);
      unlock([...keys, ...extra]);
      extra.clear();
    }
  }

  async function runLane(lane: Lane): Promise<void> {
    let active = 0;
    const claimAll = () => {
      while (!stopped && active < lane.concurrency) {
        const job = claimNextJob(opts.db, opts.owner, now(), leaseMs, lane.kinds, [...parked.keys()]);
        if (!job) break;
        let keys: string[];
        try {
          keys = locksOf(job);
        } catch (err) {
          failAttempt(job, err);
          continue;
        }
        const busy = keys.filter((k) => held.has(k));
        if (busy.length) {
          // Handed back unchanged (no attempt counted); claimed again when one of `busy` is freed.
          if (unclaimJob(opts.db, job.id, job.leaseToken)) parked.set(job.id, busy);
          log(`job ${job.id} (${job.kind}) waits for ${busy.join(", ")}`);
          continue;
        }
        for (const k of keys) held.add(k);
        active++;
        const task: Promise<void> = runOne(job, keys).then(() => {
          active--;
          tasks.delete(task);
          pokeAll();
        });
        tasks.add(task);
      }
    };
    while (!stopped) {
      let sleep = idlePollMs;
      try {
        claimAll();
        if (stopped) break;
        const due = active < lane.concurrency ? nextDueAt(opts.db, lane.kinds, [...parked.keys()]) : null;
        sleep = Math.max(5, Math.min(idlePollMs, due === null ? idlePollMs : due - now()));
      } catch (err) {
        // A busy or failing database must not end the lane: it tries again after the idle poll.
        log(`${lane.name} lane: ${String(err)}`);
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          wakers.delete(done);
          resolve();
        };
        const t = setTimeout(done, sleep);
        wakers.add(done);
      });
    }
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      loops = lanes.map((lane) => runLane(lane));
    },
    /** Notices a newly queued job without waiting for the idle poll (every lane looks). */
    poke() {
      pokeAll();
    },
    /** Stops claiming, aborts running jobs and waits for every lane and job to end. */
    async stop() {
      stopped = true;
      pokeAll();
      for (const c of running) c.abort(new Error("runner stopping"));
      await Promise.all(loops);
      await Promise.allSettled([...tasks]);
      parked.clear();
    },
  };
}
