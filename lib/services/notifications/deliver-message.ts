import "server-only";
import type { Executor, Tx } from "@/db/connection";
import { type ChannelRow, type MessageRow, findChannel, findMessage, insertAttempt, updateMessage } from "@/db/queries/notifications";
import { recordAudit } from "@/lib/audit/record";
import { type AttemptResult, DELIVERY_POLICY, type DeliveryPolicy, describeResult, judgeAttempt } from "@/lib/domain/notifications/delivery";
import { queueDeliveryAttempt } from "./enqueue-notifications";
import { postWebhook, webhookRequest } from "./webhook-request";

export interface DeliveryContext {
  /** Commits under the job's lease (JobContext.commit). */
  commit<T>(fn: (tx: Tx) => T): T;
  signal: AbortSignal;
  now: () => number;
  /** Jitter source in [0, 1) (a fixed value in tests). */
  random: () => number;
  policy?: DeliveryPolicy;
}

const WORKER = { kind: "system", label: "worker" } as const;

/** The final outcome of a message, audited (the channel by name and id, never its URL). */
function finish(tx: Tx, message: MessageRow, channel: Pick<ChannelRow, "id" | "name"> | undefined, v: { delivered: boolean; attempts: number; statusCode: number | null; error: string | null; at: number }) {
  updateMessage(tx, message.id, { status: v.delivered ? "delivered" : "failed", attempts: v.attempts, nextAttemptAt: null, lastStatusCode: v.statusCode, lastError: v.error, finishedAt: v.at });
  recordAudit(tx, {
    actor: WORKER,
    action: v.delivered ? "notification.delivered" : "notification.failed",
    subjectType: "notification",
    subjectId: message.id,
    details: { channelId: message.channelId, channel: channel?.name ?? null, kind: message.eventKind, auditEventId: message.auditEventId, attempts: v.attempts, statusCode: v.statusCode, error: v.error },
    at: v.at,
  });
}

/** The message still waiting for this attempt, or undefined (delivered, failed, or this attempt already made). */
function pendingFor(db: Executor, messageId: number, attempt: number): MessageRow | undefined {
  const message = findMessage(db, messageId);
  return message && message.status === "pending" && message.attempts < attempt ? message : undefined;
}

/**
 * One delivery attempt of an outbox message (the `notification.deliver` job): POST, then record
 * the attempt in the delivery log and either finish the message or queue the next attempt after
 * the backoff (lib/domain/notifications/delivery.ts). Idempotent per attempt number.
 */
export async function deliverAttempt(db: Executor, input: { messageId: number; attempt: number }, ctx: DeliveryContext): Promise<void> {
  const policy = ctx.policy ?? DELIVERY_POLICY;
  const message = pendingFor(db, input.messageId, input.attempt);
  if (!message) return;
  const channel = findChannel(db, message.channelId);
  if (!channel?.enabled) {
    ctx.commit((tx) => {
      if (pendingFor(tx, message.id, input.attempt)) finish(tx, message, channel, { delivered: false, attempts: message.attempts, statusCode: null, error: "The channel was disabled before delivery.", at: ctx.now() });
    });
    return;
  }
  const startedAt = ctx.now();
  const t0 = performance.now();
  const result: AttemptResult = await postWebhook(channel.url, webhookRequest(channel, message), { timeoutMs: policy.timeoutMs, signal: ctx.signal });
  // A lost lease or a stopping worker: nothing is recorded; the job runs this attempt again.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const durationMs = Math.round(performance.now() - t0);
  const at = ctx.now();
  const verdict = judgeAttempt(result, input.attempt, { now: at, random: ctx.random(), policy });
  const statusCode = result.kind === "response" ? result.status : null;
  const error = verdict.outcome === "delivered" ? null : verdict.why;
  const retryAt = verdict.outcome === "retry" ? at + verdict.delayMs : null;
  ctx.commit((tx) => {
    if (!pendingFor(tx, message.id, input.attempt)) return;
    insertAttempt(tx, { messageId: message.id, attempt: input.attempt, startedAt, durationMs, statusCode, error: verdict.outcome === "delivered" ? null : describeResult(result), outcome: verdict.outcome, retryAt });
    if (retryAt !== null) {
      updateMessage(tx, message.id, { attempts: input.attempt, nextAttemptAt: retryAt, lastStatusCode: statusCode, lastError: error });
      queueDeliveryAttempt(tx, message.id, input.attempt + 1, retryAt, at);
    } else {
      finish(tx, message, channel, { delivered: verdict.outcome === "delivered", attempts: input.attempt, statusCode, error, at });
    }
  });
}
