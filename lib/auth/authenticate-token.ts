import "server-only";
import { getDb } from "@/db/client";
import { type ApiTokenRow, findApiTokenByHash, touchApiToken } from "@/db/queries/api-tokens";
import type { Actor } from "@/lib/domain/actor";
import { TOKEN_USE_WRITE_INTERVAL_MS, checkTokenFormat, hashToken, tokenStatus, tokenUseIsStale } from "@/lib/domain/api-token";
import { parseScopes } from "@/lib/domain/token-scopes";
import { loadActor } from "./load-actor";

/** Why a token was refused: for the audit event only, never for the caller (one 401 for all). */
export const TOKEN_REFUSAL_REASONS = ["malformed", "bad_checksum", "unknown", "expired", "revoked", "account_disabled"] as const;
export type TokenRefusalReason = (typeof TOKEN_REFUSAL_REASONS)[number];

export type RequestAuth =
  /** `token`: the row it came with, to note its use once the call succeeded. */
  | { status: "ok"; actor: Actor; token?: ApiTokenRow }
  /** A browser session of a disabled account (its holder may be told so). */
  | { status: "disabled"; account: Actor }
  | { status: "none" }
  /** A Bearer credential that does not authenticate; `account` when the token names a known person. */
  | { status: "token_refused"; reason: TokenRefusalReason; account: Actor | null };

/** A presented secret: its shape and checksum first (no lookup for junk), then the hash, the token's state, its owner. */
export function authenticateToken(secret: string, now = Date.now()): RequestAuth {
  const format = checkTokenFormat(secret);
  if (!format.ok) return { status: "token_refused", reason: format.reason, account: null };
  const token = findApiTokenByHash(getDb(), hashToken(secret));
  if (!token) return { status: "token_refused", reason: "unknown", account: null };
  const via = { kind: "token" as const, tokenId: token.id, scopes: parseScopes(token.scopes), environment: token.environment };
  const owner = loadActor(token.userId);
  const status = tokenStatus(token, now);
  if (status !== "active") {
    // A known token's refusal is the owner's (roles none): the trail shows whose stale token is still in use.
    const account = owner.status === "ok" ? owner.actor : owner.status === "disabled" ? owner.account : null;
    return { status: "token_refused", reason: status, account: account && { ...account, roles: [], via } };
  }
  if (owner.status === "disabled") return { status: "token_refused", reason: "account_disabled", account: { ...owner.account, via } };
  if (owner.status !== "ok") return { status: "token_refused", reason: "unknown", account: null };
  return { status: "ok", actor: { ...owner.actor, via }, token };
}

/**
 * Notes when and from where a token was last used, at most once a minute per token: the row read
 * at authentication says whether a write is due, so most calls write nothing.
 */
export function noteTokenUse(token: ApiTokenRow, address: string, now = Date.now()): void {
  if (!tokenUseIsStale(token.lastUsedAt, now)) return;
  try {
    touchApiToken(getDb(), token.id, { at: now, address: address.slice(0, 64), minIntervalMs: TOKEN_USE_WRITE_INTERVAL_MS });
  } catch (err) {
    // Bookkeeping only: a busy database must not fail a call that already succeeded.
    console.error(`[token] could not note the use of token ${token.id}`, err);
  }
}
