import { z } from "zod";
import { parseOriginList } from "@/lib/domain/request-origin";

const flag = z
  .enum(["1", "0", "true", "false", "yes", "no", "on", "off", ""])
  .optional()
  .transform((v) => (v === undefined || v === "" ? undefined : ["1", "true", "yes", "on"].includes(v)));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  FLIGHTDECK_DB: z.string().min(1).default("data/flightdeck.db"),
  /** Demo accounts may sign in only while this is on; `npm start` decides the default. */
  FLIGHTDECK_DEMO: flag,
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  OIDC_ISSUER: z.url().optional(),
  OIDC_CLIENT_ID: z.string().min(1).optional(),
  OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  OIDC_NAME: z.string().min(1).default("Single sign-on"),
  SIGNIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  SIGNIN_WINDOW_MINUTES: z.coerce.number().min(1).default(15),
  /** Refusal audit events per person (or client address) and minute; more become one summary event. */
  AUDIT_REFUSALS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(20),
  /** How long a granted approval (and an open approval request) stays valid (D4). */
  APPROVAL_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
  /** Flightdeck's public URL; its origin is the one allowed to change state (unset in `next dev`: the request's Host). */
  NEXTAUTH_URL: z.preprocess((v) => (v === "" ? undefined : v), z.url().optional()),
  /** More origins allowed to send state changes, comma-separated (e.g. `https://ops.example,https://flightdeck.internal:8443`). */
  FLIGHTDECK_ALLOWED_ORIGINS: z
    .string()
    .optional()
    .refine((v) => parseOriginList(v).invalid.length === 0, { message: "a comma-separated list of origins like https://host[:port]" }),
  /** Set to 1 only when a reverse proxy in front overwrites X-Forwarded-Host and X-Forwarded-Proto. */
  FLIGHTDECK_TRUST_PROXY: flag,
});

export type Env = z.infer<typeof envSchema>;

let parsed: Env | undefined;

/** Environment parsed once with zod; a bad value fails loudly at start, naming the variable. */
export function env(): Env {
  if (!parsed) {
    const result = envSchema.safeParse(process.env);
    if (!result.success) {
      const detail = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`Invalid environment: ${detail}`);
    }
    parsed = result.data;
  }
  return parsed;
}

export function demoMode(): boolean {
  return env().FLIGHTDECK_DEMO === true;
}

export function oidcConfigured(): boolean {
  const e = env();
  return Boolean(e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET);
}

/** Approval lifetime in ms (APPROVAL_TTL_HOURS). */
export function approvalTtlMs(): number {
  return env().APPROVAL_TTL_HOURS * 3600_000;
}

/** Origin settings for state-changing requests (proxy.ts and the server-action wrapper). */
export function originSettings(): { appOrigin: string | null; extraOrigins: string[]; trustProxy: boolean } {
  const e = env();
  return {
    appOrigin: e.NEXTAUTH_URL ? new URL(e.NEXTAUTH_URL).origin : null,
    extraOrigins: parseOriginList(e.FLIGHTDECK_ALLOWED_ORIGINS).origins,
    trustProxy: e.FLIGHTDECK_TRUST_PROXY === true,
  };
}
