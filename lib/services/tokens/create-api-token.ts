import "server-only";
import { getDb } from "@/db/client";
import { countActiveApiTokens, insertApiToken } from "@/db/queries/api-tokens";
import { findEnvironmentByName } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { type CreateTokenInput, DAY_MS, MAX_ACTIVE_TOKENS, generateToken, hashToken, tokenDisplayPrefix } from "@/lib/domain/api-token";
import { SCOPE_LABELS, scopesOffered } from "@/lib/domain/token-scopes";
import { InvalidError, PreconditionError } from "@/lib/errors";

export interface CreatedApiToken {
  id: number;
  name: string;
  /** The secret: returned once, here, and never stored or audited. */
  secret: string;
  prefix: string;
  scopes: string[];
  environment: string | null;
  expiresAt: number;
}

/**
 * A person creates an API token for themselves (A5): scopes only among those their roles allow
 * now, an optional environment limit, an expiry of 1 to 365 days. Only the sha256 is stored.
 * `source` says where it came from (the Settings page or `npm run token:create`), for the audit.
 */
export function createApiToken(actor: Actor, input: CreateTokenInput, requestId?: string, opts: { now?: number; source?: "web" | "cli" } = {}): CreatedApiToken {
  assertCan(actor, "token.manage");
  const now = opts.now ?? Date.now();
  const offered = scopesOffered(actor.roles);
  const beyond = input.scopes.filter((s) => !offered.includes(s));
  if (beyond.length) {
    throw new InvalidError("Please correct the highlighted fields.", {
      scopes: [`Your roles do not allow ${beyond.map((s) => SCOPE_LABELS[s]).join(", ")}.`],
    });
  }
  const secret = generateToken();
  const expiresAt = now + input.expiresInDays * DAY_MS;
  return writeTransaction(getDb(), (tx) => {
    if (input.environment !== null && !findEnvironmentByName(tx, input.environment)) {
      throw new InvalidError("Please correct the highlighted fields.", { environment: ["Unknown environment."] });
    }
    if (countActiveApiTokens(tx, actor.id, now) >= MAX_ACTIVE_TOKENS) {
      throw new PreconditionError(`You already have ${MAX_ACTIVE_TOKENS} active tokens: revoke one you no longer use first.`);
    }
    const row = insertApiToken(tx, {
      userId: actor.id,
      name: input.name,
      tokenHash: hashToken(secret),
      prefix: tokenDisplayPrefix(secret),
      scopes: input.scopes,
      environment: input.environment,
      createdAt: now,
      expiresAt,
    });
    recordAudit(tx, {
      actor,
      action: "token.create",
      subjectType: "api_token",
      subjectId: row.id,
      // Never the secret nor its hash: the prefix is enough to tell tokens apart.
      details: { name: row.name, prefix: row.prefix, scopes: input.scopes, environment: input.environment, expiresAt: new Date(expiresAt).toISOString(), source: opts.source ?? "web" },
      requestId,
      at: now,
    });
    return { id: row.id, name: row.name, secret, prefix: row.prefix, scopes: input.scopes, environment: input.environment, expiresAt };
  });
}
