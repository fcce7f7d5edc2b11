import "server-only";
import { CloudEvent, HTTP } from "cloudevents";
import type { ChannelRow, MessageRow } from "@/db/queries/notifications";
import type { AttemptResult } from "@/lib/domain/notifications/delivery";

export interface WebhookRequest {
  headers: Record<string, string>;
  body: string;
}

/** The CloudEvents `type` of a message kind: reverse-DNS prefixed, e.g. dev.flightdeck.rolled_back. */
export const cloudEventType = (kind: string) => `dev.flightdeck.${kind}`;

/**
 * What a channel receives: Slack's incoming-webhook JSON (`{"text": ...}`) or a CloudEvents 1.0
 * structured event whose id is stable across retries (receivers can drop duplicates by it).
 */
export function webhookRequest(channel: Pick<ChannelRow, "kind">, message: Pick<MessageRow, "id" | "eventKind" | "text" | "subject" | "auditEventId" | "variables" | "createdAt">): WebhookRequest {
  if (channel.kind === "slack") return { headers: { "content-type": "application/json" }, body: JSON.stringify({ text: message.text }) };
  const event = new CloudEvent({
    specversion: "1.0",
    id: `flightdeck-notification-${message.id}`,
    type: cloudEventType(message.eventKind),
    source: "/flightdeck/notifications",
    subject: message.subject ?? undefined,
    time: new Date(message.createdAt).toISOString(),
    datacontenttype: "application/json",
    data: { kind: message.eventKind, text: message.text, auditEventId: message.auditEventId, variables: JSON.parse(message.variables) as unknown },
  });
  const structured = HTTP.structured(event);
  return { headers: structured.headers as Record<string, string>, body: String(structured.body) };
}

/** The network error in a few words; never the URL (it is a secret). */
function networkError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === "TimeoutError") return `timed out after ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
  if (cause?.code) return cause.code;
  return err instanceof Error ? err.name : "network error";
}

/**
 * One POST to the webhook, bounded by `timeoutMs` (a dead channel never holds the worker) and by
 * `signal` (the job's lease). Redirects are not followed: a webhook answers where it is.
 */
export async function postWebhook(url: string, req: WebhookRequest, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<AttemptResult> {
  const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs);
  try {
    const res = await fetch(url, { method: "POST", headers: req.headers, body: req.body, redirect: "manual", signal });
    // Drained so the connection is reused; the answer itself is not kept.
    await res.arrayBuffer().catch(() => undefined);
    return { kind: "response", status: res.status, retryAfter: res.headers.get("retry-after") };
  } catch (err) {
    return { kind: "network", error: networkError(err, opts.timeoutMs) };
  }
}
