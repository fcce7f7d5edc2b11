import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findService } from "@/db/queries/catalog";
import { insertPreflightItems } from "@/db/queries/governance";
import { insertRelease } from "@/db/queries/releases";
import { writeTransaction } from "@/db/transaction";
import { recordAudit } from "@/lib/audit/record";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { parseCatalog, pickMigrations } from "@/lib/domain/migration-catalog";
import { SOAK_MINUTES } from "@/lib/domain/release/lifecycle";
import type { createReleaseInput } from "@/lib/domain/release/inputs";
import { PREFLIGHT_CHECKLIST } from "@/lib/domain/release/preflight";
import { InvalidError, NotFoundError } from "@/lib/errors";

/**
 * Creates a release in pre-flight with its checklist (B2, C1). Its migrations are picked by id
 * from its service's catalog (kind and description from there); it never holds a command.
 */
export function createRelease(actor: Actor, input: z.output<typeof createReleaseInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "release.create");
  return writeTransaction(getDb(), (tx) => {
    const service = findService(tx, input.serviceId);
    if (!service) throw new NotFoundError("Service");
    const others = input.alsoDeploy.map((id) => findService(tx, id));
    if (others.some((s) => !s)) throw new InvalidError("Please correct the highlighted fields.", { alsoDeploy: ["One of these services does not exist."] });
    const picked = pickMigrations(parseCatalog(service.migrations), input.migrations, service.name);
    if (!picked.ok) throw new InvalidError("Please correct the highlighted fields.", { migrations: picked.errors });
    const deploymentPlan = [service, ...others].map((s) => ({ serviceId: s!.id, timeoutMinutes: input.timeoutMinutes }));
    const release = insertRelease(tx, {
      serviceId: service.id,
      version: input.version,
      commitSha: input.commitSha.toLowerCase(),
      changeLog: input.changeLog,
      rollbackPlan: input.rollbackPlan,
      migrations: JSON.stringify(picked.migrations),
      strategy: JSON.stringify(input.strategy),
      hotfix: input.hotfix,
      sev1: input.sev1,
      soakMinutes: input.soakMinutes ?? (input.hotfix ? SOAK_MINUTES.hotfix : SOAK_MINUTES.normal),
      monitoringMinutes: input.monitoringMinutes,
      deploymentPlan: JSON.stringify(deploymentPlan),
      status: "preflight",
      phaseEnteredAt: now,
      createdBy: actor.id,
      createdAt: now,
      updatedAt: now,
    });
    insertPreflightItems(
      tx,
      PREFLIGHT_CHECKLIST.map((item) => ({ releaseId: release.id, key: item.key, label: item.label, check: item.check, role: item.role ?? null, status: "pending" as const })),
    );
    recordAudit(tx, {
      actor,
      action: "release.create",
      subjectType: "release",
      subjectId: release.id,
      details: { service: service.name, deployments: [service, ...others].map((s) => s!.name), version: release.version, commit: release.commitSha, hotfix: release.hotfix, sev1: release.sev1, strategy: input.strategy, migrations: picked.migrations },
      requestId,
      at: now,
    });
    return release;
  });
}
