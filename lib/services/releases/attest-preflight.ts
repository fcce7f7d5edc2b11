import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findPreflightItem, setPreflightResult } from "@/db/queries/governance";
import { findRelease } from "@/db/queries/releases";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { attestInput } from "@/lib/domain/release/inputs";
import { backupFresh } from "@/lib/domain/release/preflight";
import { type Role, aRole } from "@/lib/domain/roles";
import { ForbiddenError, InvalidError, NotFoundError, PreconditionError } from "@/lib/errors";

/** A named role signs a pre-flight item with its evidence (C1); the backup item also checks the backup's age. */
export function attestPreflight(actor: Actor, input: z.output<typeof attestInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "preflight.attest");
  return writeTransaction(getDb(), (tx) => {
    const row = findPreflightItem(tx, input.itemId);
    if (!row) throw new NotFoundError("Pre-flight item");
    const release = findRelease(tx, row.releaseId)!;
    if (row.check !== "attestation") throw new PreconditionError("This item is checked automatically; run the checks instead.");
    if (release.status !== "preflight" && release.status !== "staging_deploy") throw new PreconditionError("Pre-flight is over for this release.");
    const role = row.role as Role;
    if (!actor.roles.includes(role)) throw new ForbiddenError(`This item must be signed by ${aRole(role)}.`, "preflight.attest");
    let evidence = input.evidence;
    let passed = true;
    if (row.key === "backup_verified") {
      const at = input.backupAt ? Date.parse(/T\d{2}:\d{2}(:\d{2})?$/.test(input.backupAt) ? `${input.backupAt}Z` : input.backupAt) : NaN;
      if (!Number.isFinite(at)) throw new InvalidError("Please correct the highlighted fields.", { backupAt: ["Enter when the backup was taken (UTC)."] });
      const fresh = backupFresh(at, now);
      passed = fresh.ok;
      evidence = `${fresh.detail} (${new Date(at).toISOString()}): ${input.evidence}`;
    }
    setPreflightResult(tx, row.id, { status: passed ? "passed" : "failed", evidence, decidedBy: actor.id, decidedAt: now });
    recordAudit(tx, {
      actor,
      action: "preflight.attest",
      roles: [role],
      subjectType: "release",
      subjectId: release.id,
      details: { item: row.key, status: passed ? "passed" : "failed", evidence },
      requestId,
      at: now,
    });
    return { id: row.id, passed };
  });
}

