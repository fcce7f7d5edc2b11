import { getDb } from "@/db/client";
import { listAuditEvents } from "@/db/queries/audit";
import { apiOperation } from "@/lib/api/operation";
import { decodeCursor } from "@/lib/api/pagination";
import { listAuditEvents as listAuditEventsOp } from "@/lib/api/spec/records";
import { pageResponse } from "@/lib/views/page";
import { auditEventResource } from "@/lib/views/audit-event";

export const dynamic = "force-dynamic";

/** GET /api/v1/audit?actor=&action=&environment=&subjectType=&subjectId=&from=&to=&limit=&cursor= : the Audit page's filters, newest first, paged. */
export const GET = apiOperation(listAuditEventsOp, (req, { query }) => {
  const { limit, cursor, ...filter } = query;
  const before = cursor === undefined ? undefined : decodeCursor(cursor);
  // One more than asked tells whether a next page exists.
  const { events } = listAuditEvents(getDb(), filter, { before, limit: limit + 1 });
  return pageResponse(req.url, events, limit, (e) => e.id, auditEventResource);
});
