import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findServiceAnalysis, upsertServiceAnalysis } from "@/db/queries/analysis";
import { findService } from "@/db/queries/catalog";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { updateAnalysisConfigInput } from "@/lib/domain/analysis/config";
import { ConflictError, NotFoundError } from "@/lib/errors";

/**
 * Saves a service's canary analysis config (validated by the input schema: unknown metrics,
 * thresholds out of range and zero durations never get here). Optimistic: a concurrent edit is CONFLICT.
 */
export function updateAnalysisConfig(actor: Actor, input: z.output<typeof updateAnalysisConfigInput>, requestId?: string) {
  assertCan(actor, "service.manage");
  const now = Date.now();
  return writeTransaction(getDb(), (tx) => {
    const service = findService(tx, input.serviceId);
    if (!service) throw new NotFoundError("Service");
    const before = findServiceAnalysis(tx, input.serviceId);
    const expected = before ? before.rowVersion : 0;
    if (input.rowVersion !== expected) throw new ConflictError("Someone changed this analysis config since you opened it. Reload and try again.");
    const config = JSON.stringify(input.config);
    if (!upsertServiceAnalysis(tx, { serviceId: service.id, config, at: now, rowVersion: before ? before.rowVersion : null })) {
      throw new ConflictError("Someone changed this analysis config since you opened it. Reload and try again.");
    }
    recordAudit(tx, {
      actor,
      action: "analysis.config_update",
      subjectType: "service",
      subjectId: service.id,
      details: { service: service.name, before: before ? (JSON.parse(before.config) as unknown) : null, after: input.config },
      requestId,
      at: now,
    });
    return { serviceId: service.id, rowVersion: expected + 1 };
  });
}
