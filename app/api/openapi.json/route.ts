import { openApiJson } from "@/lib/api/openapi";

export const dynamic = "force-dynamic";

/**
 * GET /api/openapi.json: the OpenAPI 3.1 document of the REST API (lib/api/openapi.ts). Public:
 * it describes the API and holds no data. It changes only with a new deployment.
 */
export function GET(): Response {
  return new Response(openApiJson(), {
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300" },
  });
}
