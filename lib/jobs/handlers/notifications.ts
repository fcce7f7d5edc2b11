import "server-only";
import type { Db } from "@/db/connection";
import { type DeliveryPolicy, NOTIFICATION_DELIVER_JOB } from "@/lib/domain/notifications/delivery";
import { deliverAttempt } from "@/lib/services/notifications/deliver-message";
import { payloadOf } from "../kinds";
import type { JobHandler } from "../runner";

/** Chat notifications (L2): one job per delivery attempt of an outbox message, in its own lane. */
export function notificationHandlers(db: Db, opts: { now?: () => number; random?: () => number; policy?: DeliveryPolicy } = {}): Record<string, JobHandler> {
  return {
    async [NOTIFICATION_DELIVER_JOB](ctx) {
      const payload = payloadOf(ctx.job, NOTIFICATION_DELIVER_JOB);
      await deliverAttempt(db, payload, { commit: (fn) => ctx.commit(fn), signal: ctx.signal, now: opts.now ?? Date.now, random: opts.random ?? Math.random, policy: opts.policy });
    },
  };
}
