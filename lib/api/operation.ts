import "server-only";
import { z } from "zod";
import type { Actor } from "@/lib/domain/actor";
import { parseRateLimit, RateLimiter } from "@/lib/domain/rate-limit";
import { InvalidError } from "@/lib/errors";
import { ApiRefusal, parseJsonBody, readBodyText } from "./body";
import { claimIdempotency, idempotencyKeyOf, principalOf, releaseIdempotency, requestFingerprint, settleIdempotency } from "./idempotency";
import type { OperationSpec } from "./operation-spec";
import { refusal } from "./problem";
import { withApiRoute } from "./route";

export type { OperationSpec } from "./operation-spec";

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface OperationContext<S extends OperationSpec> {
  actor: Actor;
  requestId: string;
  params: Out<S["params"]>;
  query: Out<S["query"]>;
  body: Out<S["body"]>;
  /** The request's Idempotency-Key, when it has one (services with their own keys reuse it). */
  idempotencyKey: string | undefined;
}

const NO_BODY = z.strictObject({});

let limiter: { raw: string | undefined; limiter: RateLimiter } | undefined;

/** The per-caller limiter for FLIGHTDECK_API_RATE_LIMIT (a changed setting starts fresh buckets). */
function rateLimiter(): RateLimiter {
  const raw = process.env.FLIGHTDECK_API_RATE_LIMIT;
  if (!limiter || limiter.raw !== raw) limiter = { raw, limiter: new RateLimiter(parseRateLimit(raw)) };
  return limiter.limiter;
}

/**
 * A REST operation's route handler, built from its documented spec (./operation-spec.ts) so the
 * OpenAPI document and the code cannot drift: the spec's permission is checked (withApiRoute:
 * token or session, audited refusals, problem+json), then the caller's rate limit (429 +
 * Retry-After), then path parameters (a malformed id is 404), query and JSON body are validated by
 * the spec's own zod schemas, and a POST honours `Idempotency-Key` (./idempotency.ts).
 */
export function apiOperation<S extends OperationSpec, C extends { params: Promise<Record<string, string>> } = { params: Promise<Record<string, string>> }>(
  spec: S,
  handler: (req: Request, ctx: OperationContext<S>) => Response | Promise<Response>,
) {
  return withApiRoute<C>(spec.id, spec.permission, async (req, ctx) => {
    const verdict = rateLimiter().take(principalOf(ctx.actor), Date.now());
    if (!verdict.ok) {
      const res = refusal(429, "RATE_LIMITED", `Too many requests for this ${ctx.actor.via ? "API token" : "account"}. Retry in ${verdict.retryAfterSeconds} s.`);
      res.headers.set("retry-after", String(verdict.retryAfterSeconds));
      return res;
    }
    const params = parseParams(spec, await (ctx.params as Promise<Record<string, string>> | undefined) ?? {});
    const query = spec.query ? parseQuery(req, spec.query) : undefined;
    const key = spec.method === "POST" ? idempotencyKeyOf(req) : undefined;
    const text = spec.method === "GET" ? "" : await readBodyText(req);
    // An operation without a body accepts none (or `{}`): unknown fields are refused, never ignored.
    const body = spec.method === "GET" ? undefined : parseJsonBody(text, req.headers.get("content-type"), spec.body ?? NO_BODY);
    const run = () => handler(req, { actor: ctx.actor, requestId: ctx.requestId, params, query, body, idempotencyKey: key } as OperationContext<S>);
    if (key === undefined) return run();
    const claimed = claimIdempotency(ctx.actor, key, requestFingerprint(req.method, req.url, text));
    if ("replay" in claimed) return claimed.replay;
    try {
      return await settleIdempotency(claimed.claim, await run());
    } catch (err) {
      releaseIdempotency(claimed.claim);
      throw err;
    }
  });
}

function parseParams<S extends OperationSpec>(spec: S, raw: Record<string, string>): Out<S["params"]> {
  if (!spec.params) return undefined as Out<S["params"]>;
  const parsed = spec.params.safeParse(raw);
  if (!parsed.success) throw new ApiRefusal(refusal(404, "NOT_FOUND", `${spec.resource ?? "The resource"} was not found.`));
  return parsed.data as Out<S["params"]>;
}

function parseQuery(req: Request, schema: z.ZodType): unknown {
  const parsed = schema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) throw InvalidError.fromIssues(parsed.error.issues);
  return parsed.data;
}
