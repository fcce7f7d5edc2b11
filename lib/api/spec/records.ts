import { z } from "zod";
import { APPROVAL_KINDS, APPROVAL_STATUSES } from "@/lib/domain/approvals/rules";
import { auditQuerySchema } from "@/lib/domain/audit-filter";
import { defineOperation, idParam, type OperationSpec } from "../operation-spec";
import { pageQuerySchema } from "./common";

/** Read-only records: approvals (decided only by a person in the browser) and the audit trail (filtered, paged, export). */

export const approvalSchema = z
  .object({
    id: z.number().int(),
    releaseId: z.number().int(),
    service: z.string(),
    releaseVersion: z.string(),
    role: z.string().meta({ description: "The role that must give it (sentinel, service_owner, feature_owner)." }),
    kind: z.enum(APPROVAL_KINDS),
    status: z.enum(APPROVAL_STATUSES),
    approver: z.string().nullable().meta({ description: "The email of who decided it." }),
    comment: z.string().nullable(),
    requestedAt: z.number(),
    decidedAt: z.number().nullable(),
    expiresAt: z.number().nullable(),
    links: z.object({ self: z.string(), release: z.string(), decideInBrowser: z.string().meta({ description: "The approval screen, where a person decides it." }) }),
  })
  .meta({ id: "Approval" });

export const listApprovals = defineOperation({
  id: "listApprovals",
  method: "GET",
  path: "/api/v1/approvals",
  summary: "List approvals, newest first",
  description: 'Filter by release and status; the next page is in the `Link: <...>; rel="next"` header.',
  tags: ["approvals"],
  permission: "approval.read",
  query: z.strictObject({
    release: z.coerce.number().int().positive().optional().meta({ description: "A release id." }),
    status: z.enum(APPROVAL_STATUSES).optional(),
    ...pageQuerySchema,
  }),
  responses: { 200: { description: "A page of approvals.", schema: z.object({ items: z.array(approvalSchema) }), headers: ["Link"] } },
});

export const getApproval = defineOperation({
  id: "getApproval",
  method: "GET",
  path: "/api/v1/approvals/{id}",
  summary: "One approval",
  tags: ["approvals"],
  permission: "approval.read",
  resource: "Approval",
  params: z.object({ id: idParam }),
  responses: { 200: { description: "The approval.", schema: approvalSchema } },
});

export const decideApprovalOp = defineOperation({
  id: "decideApproval",
  method: "POST",
  path: "/api/v1/approvals/{id}/decide",
  summary: "Approvals are decided by a person in the browser (always refused here)",
  description:
    "Documented so the answer is known: approvals (D1-D5) need a person who re-entered their password on the approval screen (`links.decideInBrowser`). An API token is refused (403, its scopes can never hold `approval.decide`), and so is a browser session calling the API.",
  tags: ["approvals"],
  permission: "approval.decide",
  resource: "Approval",
  params: z.object({ id: idParam }),
  body: z.unknown().meta({ description: "Ignored: nothing is decided here." }),
  responses: {},
});

/** The audit page's filters (lib/domain/audit-filter.ts) without its own paging (before/limit). */
const { before: _before, limit: _limit, ...auditFilterShape } = auditQuerySchema.shape;
const FROM_BEFORE_TO = { message: "'From' must be before 'to'.", path: ["to"] };
const fromBeforeTo = (q: { from?: number; to?: number }) => q.from === undefined || q.to === undefined || q.from <= q.to;

export const auditEventSchema = z
  .object({
    id: z.number().int(),
    createdAt: z.number(),
    actorId: z.number().int().nullable(),
    actorLabel: z.string().meta({ description: 'Who acted: an email, or "system", "worker", "analysis", "anonymous".' }),
    roles: z.array(z.string()),
    action: z.string(),
    subjectType: z.string().nullable(),
    subjectId: z.string().nullable(),
    environment: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    requestId: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: "AuditEvent" });

export const listAuditEvents = defineOperation({
  id: "listAuditEvents",
  method: "GET",
  path: "/api/v1/audit",
  summary: "The audit trail, newest first, filtered as on the Audit page",
  description:
    'Filters: `actor` (email or system label), `action`, `environment`, `subjectType` + `subjectId`, `from` / `to` (ISO or `2026-11-22T10:00`, UTC). The next page is in the `Link: <...>; rel="next"` header.',
  tags: ["audit"],
  permission: "audit.read",
  query: z.strictObject({ ...auditFilterShape, ...pageQuerySchema }).refine(fromBeforeTo, FROM_BEFORE_TO),
  responses: { 200: { description: "A page of audit events.", schema: z.object({ items: z.array(auditEventSchema) }), headers: ["Link"] } },
});

export const exportAuditOp = defineOperation({
  id: "exportAudit",
  method: "GET",
  path: "/api/v1/audit/export",
  summary: "Export the audit trail (CSV, JSON or a verifiable bundle)",
  description:
    "`format=csv` (the default, `text/csv`) or `json` (`application/json`, an array of events): the filtered trail. `format=bundle` (`application/x-ndjson`): the whole trail with its signed checkpoint, verifiable offline (the filter does not apply: a chain is verified whole). The export itself is audited.",
  tags: ["audit"],
  permission: "audit.export",
  query: z.strictObject({ format: z.enum(["csv", "json", "bundle"]).default("csv"), ...auditFilterShape }).refine(fromBeforeTo, FROM_BEFORE_TO),
  responses: { 200: { description: "The export, as a download.", contentType: "text/csv" } },
});

export const RECORD_OPERATIONS: OperationSpec[] = [listApprovals, getApproval, decideApprovalOp, listAuditEvents, exportAuditOp];
