import "server-only";
import { createHash } from "node:crypto";
import { getDb } from "@/db/client";
import { claimIdempotencyKey, completeIdempotencyKey, findIdempotencyKey, pruneIdempotencyKeys, releaseIdempotencyKey } from "@/db/queries/idempotency";
import type { Actor } from "@/lib/domain/actor";
import { ApiRefusal } from "./body";
import { refusal } from "./problem";

/**
 * `Idempotency-Key` on every POST (N1, after Stripe): the first successful answer to a key is kept
 * for 24 hours per caller and a retry with the same key and the same request gets it again
 * (`Idempotent-Replayed: true`) without doing the work twice. The same key with another method,
 * path or body is 422; while the first request is still being answered, 409.
 * Decision: only a 2xx answer is kept. A refused call changed nothing, so running it again is
 * safe, and a pipeline that created the missing override can retry with the same key.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
export const IDEMPOTENCY_HEADER = "idempotency-key";
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** The headers a kept answer carries again. */
const KEPT_HEADERS = ["content-type", "location", "etag", "link"];

export const principalOf = (actor: Actor) => (actor.via ? `token:${actor.via.tokenId}` : `user:${actor.id}`);

export interface IdempotencyClaim {
  id: number;
}

/** The request's key, or undefined without one; a malformed key is 400. */
export function idempotencyKeyOf(req: Request): string | undefined {
  const raw = req.headers.get(IDEMPOTENCY_HEADER);
  if (raw === null) return undefined;
  if (!KEY_PATTERN.test(raw)) {
    throw new ApiRefusal(refusal(400, "INVALID", "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is a good choice).", { fieldErrors: { "Idempotency-Key": ["1 to 255 visible ASCII characters."] } }));
  }
  return raw;
}

export function requestFingerprint(method: string, url: string, body: string): string {
  return createHash("sha256").update(`${method} ${new URL(url).pathname}\n${body}`).digest("hex");
}

/**
 * Claims `key` for this caller and request. Returns the kept answer of an earlier identical
 * request (to send again), or a claim to complete or release once this request is answered.
 */
export function claimIdempotency(actor: Actor, key: string, fingerprint: string, now = Date.now()): { replay: Response } | { claim: IdempotencyClaim } {
  const db = getDb();
  const principal = principalOf(actor);
  pruneIdempotencyKeys(db, now - IDEMPOTENCY_TTL_MS);
  if (claimIdempotencyKey(db, { principal, key, fingerprint, createdAt: now })) {
    return { claim: { id: findIdempotencyKey(db, principal, key)!.id } };
  }
  const held = findIdempotencyKey(db, principal, key);
  if (!held) return claimIdempotency(actor, key, fingerprint, now);
  if (held.fingerprint !== fingerprint) {
    throw new ApiRefusal(refusal(422, "INVALID", "This Idempotency-Key was used with another request in the last 24 hours. Use a new key for a new request."));
  }
  if (held.status === null || held.response === null) {
    throw new ApiRefusal(refusal(409, "CONFLICT", "A request with this Idempotency-Key is still being answered. Retry in a moment."));
  }
  const kept = JSON.parse(held.response) as { headers: Record<string, string>; body: string };
  const headers = new Headers(kept.headers);
  headers.set("idempotent-replayed", "true");
  return { replay: new Response(kept.body, { status: held.status, headers }) };
}

/** Keeps a 2xx answer for the claim's key; anything else frees the key. Returns the answer to send. */
export async function settleIdempotency(claim: IdempotencyClaim, res: Response): Promise<Response> {
  const db = getDb();
  if (res.status < 200 || res.status >= 300) {
    releaseIdempotencyKey(db, claim.id);
    return res;
  }
  const body = await res.text();
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = res.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  completeIdempotencyKey(db, claim.id, res.status, JSON.stringify({ headers, body }));
  return new Response(body, { status: res.status, headers: res.headers });
}

export function releaseIdempotency(claim: IdempotencyClaim): void {
  releaseIdempotencyKey(getDb(), claim.id);
}
