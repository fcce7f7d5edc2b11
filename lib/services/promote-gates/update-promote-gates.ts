import "server-only";
import { getDb } from "@/db/client";
import { findService } from "@/db/queries/catalog";
import { findPromoteGatesConfig, upsertPromoteGatesConfig } from "@/db/queries/promote-gates";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { GATE_MESSAGES, configOfInput, parsePromoteGatesInput, parseStoredConfig } from "@/lib/domain/promote-gates/config";
import { ConflictError, InvalidError, NotFoundError } from "@/lib/errors";
import { buildsFromGit } from "./internal";

const STALE = "Someone changed these promote gates since you opened them. Reload and try again.";

/**
 * Saves a service's promote gates (admins: the CI gate runs a command on the host). A CI command
 * needs a directory to run in: the commit's release directory for a service built from git, else
 * the one given (refused on its field when neither exists). Optimistic: a concurrent edit is CONFLICT.
 */
export function updatePromoteGates(actor: Actor, raw: unknown, requestId?: string, now = Date.now()) {
  assertCan(actor, "service.manage");
  const input = parsePromoteGatesInput(raw);
  const config = configOfInput(input);
  return writeTransaction(getDb(), (tx) => {
    const service = findService(tx, input.serviceId);
    if (!service) throw new NotFoundError("Service");
    if (config.ci?.kind === "command" && !config.ci.cwd && !buildsFromGit(service.deployTarget)) {
      throw new InvalidError(GATE_MESSAGES.ciCwdNeeded, { ciCwd: [GATE_MESSAGES.ciCwdNeeded] });
    }
    const before = findPromoteGatesConfig(tx, service.id);
    const expected = before?.rowVersion ?? 0;
    if (input.rowVersion !== expected) throw new ConflictError(STALE);
    if (!upsertPromoteGatesConfig(tx, { serviceId: service.id, config: JSON.stringify(config), at: now, rowVersion: before ? before.rowVersion : null })) throw new ConflictError(STALE);
    const previous = before ? parseStoredConfig(before.config) : null;
    recordAudit(tx, {
      actor,
      action: "promote_gates.update",
      subjectType: "service",
      subjectId: service.id,
      details: { service: service.name, before: previous?.ok ? previous.config : null, after: config },
      requestId,
      at: now,
    });
    return { serviceId: service.id, rowVersion: expected + 1 };
  });
}
