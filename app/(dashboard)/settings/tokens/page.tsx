import type { Metadata } from "next";
import { TokenCreateForm } from "@/components/settings/token-create-form";
import { type TokenListItem, TokenTable } from "@/components/settings/token-table";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { type ApiTokenListRow, listApiTokens } from "@/db/queries/api-tokens";
import { listEnvironments } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import type { Actor } from "@/lib/domain/actor";
import { DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, tokenStatus } from "@/lib/domain/api-token";
import { actorCan } from "@/lib/domain/authorize";
import { ROLES, type Role } from "@/lib/domain/roles";
import { SCOPE_DESCRIPTIONS, SCOPE_LABELS, parseScopes, scopesOffered } from "@/lib/domain/token-scopes";
import { listUsersWithRoles } from "@/db/queries/users";
import { createTokenAction, revokeTokenAction } from "./actions";

export const metadata: Metadata = { title: "API tokens" };

/** Rows for the tables, with each token's state now and the scopes its owner's current roles leave idle. */
function listItems(rows: ApiTokenListRow[], rolesOf: (userId: number) => readonly Role[]): TokenListItem[] {
  const now = Date.now();
  return rows.map((r) => {
    const scopes = parseScopes(r.scopes);
    const offered = scopesOffered(rolesOf(r.userId));
    return {
      id: r.id,
      name: r.name,
      prefix: r.prefix,
      ownerEmail: r.ownerEmail,
      scopes,
      idleScopes: scopes.filter((s) => !offered.includes(s)),
      environment: r.environment,
      createdAt: r.createdAt,
      expiresAt: r.expiresAt,
      lastUsedAt: r.lastUsedAt,
      lastUsedAddress: r.lastUsedAddress,
      revokedAt: r.revokedAt,
      status: tokenStatus(r, now),
    };
  });
}

function rolesLookup(actor: Actor, everyone: boolean): (userId: number) => readonly Role[] {
  if (!everyone) return () => actor.roles;
  const byId = new Map(listUsersWithRoles(getDb()).map((u) => [u.id, u.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r))]));
  return (id) => byId.get(id) ?? [];
}

export default async function TokensPage() {
  const { actor } = await authorizePage("token.manage", "/settings/tokens");
  const db = getDb();
  const admin = actorCan(actor, "token.admin");
  const rolesOf = rolesLookup(actor, admin);
  const mine = listItems(listApiTokens(db, actor.id), rolesOf);
  const everyone = admin ? listItems(listApiTokens(db, null), rolesOf) : [];
  const scopes = scopesOffered(actor.roles).map((s) => ({ value: s, label: `${SCOPE_LABELS[s]}: ${SCOPE_DESCRIPTIONS[s]}` }));
  return (
    <>
      <PageHeader
        title="API tokens"
        description="Tokens let the CLI and CI pipelines call Flightdeck's API as you. A token can do only what both its scopes and your roles at the time of the call allow; approvals always need you in person."
      />
      <Card title="Create token" className="mb-6">
        <TokenCreateForm
          action={createTokenAction}
          scopes={scopes}
          environments={listEnvironments(db).map((e) => e.name)}
          defaultDays={DEFAULT_TOKEN_DAYS}
          maxDays={MAX_TOKEN_DAYS}
        />
      </Card>
      <Card title="Your tokens" className="mb-6">
        {mine.length ? <TokenTable label="Your tokens" tokens={mine} revoke={revokeTokenAction} /> : <EmptyState>You have no API tokens yet.</EmptyState>}
      </Card>
      {admin && (
        <Card title="All tokens">
          {everyone.length ? (
            <TokenTable label="All tokens" tokens={everyone} revoke={revokeTokenAction} showOwner />
          ) : (
            <EmptyState>Nobody has an API token yet.</EmptyState>
          )}
        </Card>
      )}
    </>
  );
}
