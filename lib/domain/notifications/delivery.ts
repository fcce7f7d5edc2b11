import { z } from "zod";

/**
 * Delivery policy (REQUIREMENTS L2, after Argo Rollouts' notification engine): retry on network
 * errors, 5xx and 429 with exponential backoff and jitter, honouring Retry-After; never retry any
 * other answer (a 4xx will not get better). Each attempt is bounded by `timeoutMs`.
 */
export const DELIVERY_POLICY = {
  maxAttempts: 6,
  baseDelayMs: 2_000,
  maxDelayMs: 10 * 60_000,
  /** A Retry-After further out than this is shortened to it (a channel cannot park a message for days). */
  maxRetryAfterMs: 60 * 60_000,
  timeoutMs: 5_000,
} as const;
export type DeliveryPolicy = Record<keyof typeof DELIVERY_POLICY, number>;

/** What one attempt got: an HTTP answer (with its Retry-After header, if any) or no answer at all. */
export type AttemptResult = { kind: "response"; status: number; retryAfter?: string | null } | { kind: "network"; error: string };

export type AttemptVerdict = { outcome: "delivered" } | { outcome: "retry"; delayMs: number; why: string } | { outcome: "failed"; why: string };

/**
 * Exponential backoff with equal jitter: attempt n waits between half and all of
 * base * 2^(n-1) (capped), so a burst of failures does not retry in lockstep. `random` in [0, 1).
 */
export function backoffDelay(attempt: number, random: number, policy: DeliveryPolicy = DELIVERY_POLICY): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (Math.min(Math.max(random, 0), 1) * ceiling) / 2);
}

/** Retry-After (RFC 9110): delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  const v = value?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The label of an attempt's answer for the delivery log and messages. */
export const describeResult = (r: AttemptResult): string => (r.kind === "network" ? `no answer (${r.error})` : `HTTP ${r.status}`);

/** Whether attempt number `attempt` delivered the message, is worth retrying (and when), or failed for good. */
export function judgeAttempt(result: AttemptResult, attempt: number, ctx: { now: number; random: number; policy?: DeliveryPolicy }): AttemptVerdict {
  const policy = ctx.policy ?? DELIVERY_POLICY;
  if (result.kind === "response" && result.status >= 200 && result.status < 300) return { outcome: "delivered" };
  const retryable = result.kind === "network" || result.status === 429 || result.status >= 500;
  const what = describeResult(result);
  if (!retryable) return { outcome: "failed", why: `${what} is not retried: the channel refused the message.` };
  if (attempt >= policy.maxAttempts) return { outcome: "failed", why: `${what}; gave up after ${attempt} attempts.` };
  const asked = result.kind === "response" ? parseRetryAfter(result.retryAfter, ctx.now) : null;
  if (asked !== null) return { outcome: "retry", delayMs: Math.min(asked, policy.maxRetryAfterMs), why: `${what}; retrying as Retry-After asks.` };
  return { outcome: "retry", delayMs: backoffDelay(attempt, ctx.random, policy), why: `${what}; retrying with backoff.` };
}

/** The worker job that makes one delivery attempt (lib/jobs/handlers/notifications.ts). */
export const NOTIFICATION_DELIVER_JOB = "notification.deliver";
export const notificationDeliverPayload = z.object({ messageId: z.number().int().positive(), attempt: z.number().int().positive() });
/** One job per attempt: a repeated enqueue of the same attempt is the same job. */
export const notificationAttemptKey = (messageId: number, attempt: number) => `notification:${messageId}:attempt:${attempt}`;
