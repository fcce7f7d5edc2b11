import "server-only";
import type { Actor } from "@/lib/domain/actor";
import { auditRefusal } from "./audit-refusal";

/** Authorization denials are audit events too (foundation issue, M1), under the refusal rate cap. */
export function recordDenial(actor: Actor, attempted: string, permission: string | undefined, requestId: string, address?: string): void {
  auditRefusal({
    actor,
    attempted,
    code: "FORBIDDEN",
    message: permission ? `You do not have permission to do this (${permission}).` : "You do not have permission to do this.",
    requestId,
    permission,
    address,
  });
}
