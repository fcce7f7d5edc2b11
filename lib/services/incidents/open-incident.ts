import "server-only";
import type { z } from "zod";
import { getDb } from "@/db/client";
import { findEnvironment, findService } from "@/db/queries/catalog";
import { insertIncident } from "@/db/queries/incidents";
import { writeTransaction } from "@/db/transaction";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { openIncidentInput } from "@/lib/domain/incidents/inputs";
import { detectedAtProblem, postmortemDueAt } from "@/lib/domain/incidents/rules";
import { InvalidError } from "@/lib/errors";
import { auditIncident, lockDownIfCritical } from "./internal";

/**
 * A manual incident (L1). Its SLA clocks run from when the impact was detected (at most 24 h ago,
 * never in the future; now when not given). A critical (P1) security incident locks the security
 * gate down by itself (E5).
 */
export function openIncident(actor: Actor, input: z.output<typeof openIncidentInput>, requestId?: string, now = Date.now()) {
  assertCan(actor, "incident.manage");
  const problem = input.detectedAt === undefined ? null : detectedAtProblem(input.detectedAt, now);
  if (problem) throw new InvalidError("Please correct the highlighted fields.", { detectedAt: [problem] });
  const detectedAt = input.detectedAt ?? now;
  return writeTransaction(getDb(), (tx) => {
    if (input.serviceId !== undefined && !findService(tx, input.serviceId)) throw new InvalidError("Please correct the highlighted fields.", { serviceId: ["Unknown service."] });
    if (input.environmentId !== undefined && !findEnvironment(tx, input.environmentId)) throw new InvalidError("Please correct the highlighted fields.", { environmentId: ["Unknown environment."] });
    const incident = insertIncident(tx, {
      title: input.title,
      kind: input.kind,
      severity: input.severity,
      status: "open",
      summary: input.summary,
      serviceId: input.serviceId ?? null,
      environmentId: input.environmentId ?? null,
      openedBy: actor.id,
      openedAt: now,
      detectedAt,
      postmortemDueAt: postmortemDueAt(now, false),
      updatedAt: now,
    });
    const detected = detectedAt < now ? ` (impact detected ${new Date(detectedAt).toISOString()})` : "";
    auditIncident(
      tx,
      actor,
      incident,
      "incident.open",
      { kind: "opened", text: `${input.severity} ${input.kind} incident opened by ${actor.name}${detected}.` },
      { kind: input.kind, title: input.title, detectedAt },
      requestId,
      now,
    );
    const lockdown = lockDownIfCritical(tx, incident, actor, requestId, now);
    return { ...incident, lockdown };
  });
}
