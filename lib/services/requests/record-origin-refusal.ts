import "server-only";
import { getDb } from "@/db/client";
import { findUserById, rolesOfUser } from "@/db/queries/users";
import { writeTransaction } from "@/db/transaction";
import { recordRefusal } from "@/lib/audit/refusal";
import type { OriginRefusal } from "@/lib/domain/request-origin";

export interface OriginRefusalEvent {
  /** The user the request's session cookie names (already verified by the caller). */
  userId: number;
  reason: OriginRefusal;
  /** Header values as sent: attacker-controlled, so they are clipped before they are stored. */
  origin: string | null;
  host: string | null;
  forwardedHost: string | null;
  method: string;
  path: string;
  /** The server action's id (Next-Action header) or name, when the request was one. */
  actionId: string | null;
  allowed: readonly string[];
  /** Which door refused it: proxy.ts, or the server-action wrapper behind it. */
  refusedBy: "proxy" | "action";
  requestId: string;
  /** The client address (lib/auth/client-address.ts). */
  address?: string;
  at?: number;
}

const clip = (value: string | null, max = 200): string | null => (value === null ? null : value.length > max ? `${value.slice(0, max)}…` : value);

/**
 * Audits a state-changing request refused for its origin (issue 10, M1), when its session cookie
 * names a known user: the person whose browser was used is who needs to know. Under the refusal
 * rate cap of lib/audit/refusal.ts (a hostile page can send many). Returns false (and writes
 * nothing) for an unknown user id. A disabled account is still recorded, with no roles.
 */
export function recordOriginRefusal(e: OriginRefusalEvent): boolean {
  const db = getDb();
  const user = findUserById(db, e.userId);
  if (!user) return false;
  const attempted = clip(e.actionId ?? `${e.method} ${e.path}`, 200)!;
  const at = e.at ?? Date.now();
  writeTransaction(db, (tx) =>
    recordRefusal(
      db,
      tx,
      {
        actor: { kind: "user", id: user.id, email: user.email, name: user.name, roles: [] },
        roles: user.disabled ? [] : rolesOfUser(tx, user.id),
        action: "request.origin_refused",
        subjectType: e.actionId ? "action" : "request",
        subjectId: attempted,
        details: {
          reason: e.reason,
          origin: clip(e.origin),
          host: clip(e.host),
          forwardedHost: clip(e.forwardedHost),
          method: clip(e.method, 16),
          path: clip(e.path),
          actionId: clip(e.actionId),
          allowed: e.allowed,
          refusedBy: e.refusedBy,
          ...(e.address ? { address: clip(e.address, 64) } : {}),
        },
        requestId: e.requestId,
      },
      { code: "FORBIDDEN", attempted, address: e.address, at },
    ),
  );
  return true;
}
