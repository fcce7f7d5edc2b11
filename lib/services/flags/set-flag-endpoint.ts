import "server-only";
import { getDb } from "@/db/client";
import { findEnvironment } from "@/db/queries/catalog";
import { findFlag, updateFlag } from "@/db/queries/flags";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { flagEndpointInput } from "@/lib/domain/flags/external";
import { parseFlagInput } from "@/lib/domain/flags/flag";
import { maskUrl } from "@/lib/domain/notifications/channels";
import { ConflictError, InvalidError, NotFoundError } from "@/lib/errors";

const endpointDetails = (f: { externalUrl: string | null; externalBody: string | null }) => ({ url: f.externalUrl ? maskUrl(f.externalUrl) : null, body: f.externalBody });

/**
 * Sets, replaces or removes a flag's external flag service (runbook 002's curl). Admins only: it
 * makes Flightdeck call out (like service hooks and admin commands). The URL is audited masked.
 */
export function setFlagEndpoint(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "service.manage");
  const input = parseFlagInput(flagEndpointInput, raw);
  return writeTransaction(getDb(), (tx) => {
    const before = findFlag(tx, input.id);
    if (!before) throw new NotFoundError("Flag");
    const url = input.remove ? null : (input.url ?? before.externalUrl);
    if (!url && !input.remove) throw new InvalidError("Please correct the highlighted fields.", { url: ["Enter the URL of the flag service, e.g. https://flags.example.com/feature-flags/release_20250814"] });
    const after = updateFlag(tx, before.id, input.rowVersion, { externalUrl: url, externalBody: url ? input.body : null, updatedAt: now });
    if (!after) throw new ConflictError("Someone (or a rollout) changed this flag since you opened it. Reload and try again.");
    recordAudit(tx, {
      actor,
      action: "flag.external_update",
      subjectType: "flag",
      subjectId: after.id,
      environment: after.environmentId === null ? undefined : findEnvironment(tx, after.environmentId)?.name,
      details: { key: after.key, before: endpointDetails(before), after: endpointDetails(after), urlReplaced: after.externalUrl !== before.externalUrl },
      requestId,
      at: now,
    });
    return { id: after.id, rowVersion: after.rowVersion, url: after.externalUrl ? maskUrl(after.externalUrl) : null };
  });
}
