import { nextLink } from "@/lib/api/pagination";

/**
 * A list page of the REST API: `rows` were read with one more than `limit` (so a next page is
 * known without a count), the answer holds at most `limit` items and `Link: rel="next"` when more remain.
 */
export function pageResponse<R>(requestUrl: string, rows: readonly R[], limit: number, idOf: (row: R) => number, item: (row: R) => unknown): Response {
  const page = rows.slice(0, limit);
  const headers = new Headers({ "cache-control": "no-store" });
  const last = page.at(-1);
  if (rows.length > limit && last !== undefined) headers.set("link", nextLink(requestUrl, idOf(last)));
  return Response.json({ items: page.map(item) }, { headers });
}
