import "server-only";
import { getDb } from "@/db/client";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import type { Actor } from "@/lib/domain/actor";

/** Authorization denials are audit events too (foundation issue, M1). */
export function recordDenial(actor: Actor, attempted: string, permission: string | undefined, requestId: string): void {
  writeTransaction(getDb(), (tx) =>
    recordAudit(tx, {
      actor,
      action: "authz.denied",
      subjectType: "action",
      subjectId: attempted,
      details: { permission: permission ?? null },
      requestId,
    }),
  );
}
