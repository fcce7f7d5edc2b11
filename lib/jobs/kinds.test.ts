import { describe, expect, it } from "vitest";
import { openDatabase } from "@/db/connection";
import { writeTransaction } from "@/db/transaction";
import {
  ANALYSIS_TICK_JOB,
  InvalidPayloadError,
  JOB_KINDS,
  ROLLOUT_JOB,
  analysisTickKey,
  auditVerifySlotKey,
  healthSlotKey,
  migrateKey,
  payloadOf,
  preflightKey,
  queueJob,
  reconcileSlotKey,
  rolloutDeadlineKey,
  rolloutEffectKey,
  rolloutHoldRecheckKey,
  rolloutRollbackRemoveKey,
  rolloutWatchKey,
  safePayloadOf,
  validationKey,
} from "./kinds";
import { LANE_NAMES, laneOf } from "./lanes";

const job = (kind: string, payload: unknown, id = 7) => ({ id, kind, payload: typeof payload === "string" ? payload : JSON.stringify(payload) });

describe("job kinds registry", () => {
  it("idempotency keys keep the formats already stored in queued rows", () => {
    expect(rolloutEffectKey(3, 4, "execute_step")).toBe("rollout:3:v4:execute_step");
    expect(rolloutWatchKey(3, 4, 2)).toBe("rollout:3:v4:wake_at:watch:2");
    expect(rolloutHoldRecheckKey(3, 4, 5)).toBe("rollout:3:v4:analysis-hold:5");
    expect(rolloutRollbackRemoveKey(3, 4)).toBe("rollout:3:v4:rollback:remove");
    expect(rolloutDeadlineKey(3)).toBe("rollout:3:deadline");
    expect(analysisTickKey(3, 9)).toBe("analysis:3:tick:9");
    expect(migrateKey({ releaseId: 1, environmentId: 2, kind: "expand", key: "deploy-1", actorId: null })).toBe("release:1:migrate:2:expand:deploy-1");
    expect(validationKey(5)).toBe("validation:5");
    expect(preflightKey(5, 1000)).toBe("preflight:5:1000");
    expect([healthSlotKey(1), auditVerifySlotKey(1), reconcileSlotKey(1)]).toEqual(["health:1", "audit.verify:1", "reconcile:1"]);
  });

  it("every kind has a lane", () => {
    for (const kind of JOB_KINDS) expect(LANE_NAMES).toContain(laneOf(kind));
  });

  it("payloads are parsed with their defaults; a bad one names the job and every bad field", () => {
    expect(payloadOf(job(ROLLOUT_JOB.rollback, { rolloutId: 3 }), ROLLOUT_JOB.rollback)).toEqual({ rolloutId: 3, drainMs: 0, drained: false });
    expect(payloadOf(job(ROLLOUT_JOB.wake, { rolloutId: 3 }), ROLLOUT_JOB.wake)).toEqual({ rolloutId: 3, deferrals: 0 });
    expect(() => payloadOf(job(ANALYSIS_TICK_JOB, { rolloutId: "3" }), ANALYSIS_TICK_JOB)).toThrow(
      /^Job 7 \(analysis\.tick\) has an invalid payload: rolloutId: .*expected (a )?number.*; n: .*expected (a )?number/i,
    );
    expect(() => payloadOf(job(ANALYSIS_TICK_JOB, "{not json"), ANALYSIS_TICK_JOB)).toThrow(new InvalidPayloadError({ id: 7, kind: ANALYSIS_TICK_JOB }, "not JSON"));
    expect(() => payloadOf(job(ROLLOUT_JOB.step, {}), ANALYSIS_TICK_JOB)).toThrow(/expected kind analysis\.tick/);
    expect(safePayloadOf(job(ROLLOUT_JOB.deadline, { rolloutId: 3 }))).toEqual({ kind: ROLLOUT_JOB.deadline, payload: { rolloutId: 3 } });
    expect(safePayloadOf(job(ROLLOUT_JOB.deadline, { rolloutId: -1 }))).toBeUndefined();
    expect(safePayloadOf(job("not.a.kind", {}))).toBeUndefined();
  });

  it("queueJob stores the payload as given and refuses one that does not fit its kind", () => {
    const { db, sqlite } = openDatabase(":memory:");
    try {
      const { job: queued } = writeTransaction(db, (tx) => queueJob(tx, ROLLOUT_JOB.wake, { rolloutId: 3 }, { runAt: 0, key: "k1", now: 0 }));
      expect(queued).toMatchObject({ kind: ROLLOUT_JOB.wake, payload: '{"rolloutId":3}', idempotencyKey: "k1" });
      const bad = { rolloutId: 3 } as unknown as { rolloutId: number; n: number };
      expect(() => writeTransaction(db, (tx) => queueJob(tx, ANALYSIS_TICK_JOB, bad, { runAt: 0, key: "k2", now: 0 }))).toThrow();
      expect(sqlite.prepare("SELECT count(*) AS n FROM jobs").get()).toEqual({ n: 1 });
    } finally {
      sqlite.close();
    }
  });
});
