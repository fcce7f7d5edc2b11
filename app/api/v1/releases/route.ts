import { getDb } from "@/db/client";
import { pageReleases } from "@/db/queries/api-pages";
import { findServiceByName } from "@/db/queries/catalog";
import { etagOf } from "@/lib/api/etag";
import { apiOperation } from "@/lib/api/operation";
import { decodeCursor } from "@/lib/api/pagination";
import { createReleaseOp, listReleasesOp } from "@/lib/api/spec/releases";
import { createReleaseInput } from "@/lib/domain/release/inputs";
import { InvalidError } from "@/lib/errors";
import { createRelease } from "@/lib/services/releases/create-release";
import { byName } from "@/lib/views/by-name";
import { pageResponse } from "@/lib/views/page";
import { loadReleaseResource, releaseResource } from "@/lib/views/release-resource";

export const dynamic = "force-dynamic";

/** GET /api/v1/releases?service=&phase=&limit=&cursor= : newest first; the next page in `Link`. */
export const GET = apiOperation(listReleasesOp, (req, { query: q }) => {
  const db = getDb();
  const beforeId = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
  const rows = pageReleases(db, { service: q.service, phase: q.phase, beforeId, limit: q.limit + 1 });
  return pageResponse(req.url, rows, q.limit, (r) => r.release.id, (r) => releaseResource(db, r.release, r.service));
});

/** The id of a service named in the body, or a field error on that field. */
const serviceIdOf = (name: string, field: string) => byName(findServiceByName(getDb(), name), field, "service", name).id;

/** POST /api/v1/releases: createRelease, as the New release form does (services by name here). 201 + Location + ETag. */
export const POST = apiOperation(createReleaseOp, (_req, { body, actor, requestId }) => {
  const { service, alsoDeploy, ...fields } = body;
  const input = createReleaseInput.safeParse({ ...fields, serviceId: serviceIdOf(service, "service"), alsoDeploy: alsoDeploy.map((name) => serviceIdOf(name, "alsoDeploy")) });
  if (!input.success) throw InvalidError.fromIssues(input.error.issues);
  const created = createRelease(actor, input.data, requestId);
  const { row, resource } = loadReleaseResource(getDb(), created.id)!;
  return Response.json(resource, { status: 201, headers: { location: resource.links.self, etag: etagOf(row.rowVersion), "cache-control": "no-store" } });
});
