import { z } from "zod";
import { eventKindSchema } from "./events";

export const CHANNEL_KINDS = ["slack", "webhook"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export const CHANNEL_KIND_LABELS: Record<ChannelKind, string> = {
  slack: "Slack-compatible incoming webhook ({\"text\": …})",
  webhook: "Generic webhook (CloudEvents 1.0, structured JSON)",
};

export const URL_MESSAGES = {
  notUrl: "Enter the full webhook URL, e.g. https://hooks.slack.com/services/…",
  scheme: "Use an http:// or https:// URL: other schemes cannot receive webhooks.",
} as const;

/** Why a webhook URL cannot be used, or null: it must be absolute and http(s). */
export function webhookUrlError(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return URL_MESSAGES.notUrl;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? null : URL_MESSAGES.scheme;
}

/** A webhook URL: absolute, http(s) only. It is a secret: kept as given, shown back masked. */
export const webhookUrlSchema = z
  .string()
  .trim()
  .min(1, URL_MESSAGES.notUrl)
  .max(2000, "Use at most 2,000 characters.")
  .superRefine((v, ctx) => {
    const error = webhookUrlError(v);
    if (error) ctx.addIssue({ code: "custom", message: error });
  });

/**
 * How a stored URL is shown: scheme and host, the rest hidden but its last 4 characters (enough to
 * tell two hooks apart, never enough to post to one). Credentials in the URL are never shown.
 */
export function maskUrl(value: string): string {
  try {
    const url = new URL(value);
    const rest = `${url.pathname}${url.search}`.replace(/^\/$/, "");
    return rest ? `${url.protocol}//${url.host}/…${rest.slice(-4)}` : `${url.protocol}//${url.host}`;
  } catch {
    return "…";
  }
}

const id = z.coerce.number().int().positive();
const optionalId = z
  .union([z.literal(""), z.coerce.number().int().positive()])
  .optional()
  .transform((v) => (v === "" || v === undefined ? null : v));
const checkbox = z
  .union([z.literal("on"), z.literal("true"), z.literal("false"), z.boolean()])
  .optional()
  .transform((v) => v === true || v === "on" || v === "true");
const name = z.string().trim().min(1, "Name the channel, e.g. #releases.").max(80, "Use at most 80 characters.");
const kind = z.enum(CHANNEL_KINDS, { error: "Choose Slack-compatible or generic webhook." });

export const createChannelInput = z.object({ name, kind, url: webhookUrlSchema });
/** `url` left empty keeps the stored one (the form never shows the secret back). */
export const updateChannelInput = z.object({
  id,
  rowVersion: id,
  name,
  kind,
  url: z.union([z.literal(""), webhookUrlSchema]).optional().transform((v) => v || null),
  enabled: checkbox,
});
export const channelIdInput = z.object({ channelId: id });
export const subscribeInput = z.object({ channelId: id, eventKind: eventKindSchema, serviceId: optionalId, environmentId: optionalId });
export const unsubscribeInput = z.object({ subscriptionId: id });
