import "server-only";
import type { Db } from "@/db/connection";
import type { DeliveryPolicy } from "@/lib/domain/notifications/delivery";
import { syncExternalFlag } from "@/lib/services/flags/sync-external-flag";
import { FLAG_EXTERNAL_SYNC_JOB, payloadOf } from "../kinds";
import type { JobHandler } from "../runner";

/** External-flag hook (runbook 002): one job per attempt of sending a flag's new state, in the notify lane. */
export function flagHandlers(db: Db, opts: { now?: () => number; random?: () => number; policy?: DeliveryPolicy } = {}): Record<string, JobHandler> {
  return {
    async [FLAG_EXTERNAL_SYNC_JOB](ctx) {
      const payload = payloadOf(ctx.job, FLAG_EXTERNAL_SYNC_JOB);
      await syncExternalFlag(db, payload, { commit: (fn) => ctx.commit(fn), signal: ctx.signal, now: opts.now ?? Date.now, random: opts.random ?? Math.random, policy: opts.policy });
    },
  };
}
