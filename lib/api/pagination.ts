import { z } from "zod";

/**
 * Cursor pagination: a page lists items newest first; the cursor is opaque (base64url of the
 * last id seen) and the next page is announced in a `Link: <url>; rel="next"` header (RFC 8288).
 * No Link header: this was the last page.
 */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export const encodeCursor = (lastId: number) => Buffer.from(`id:${lastId}`).toString("base64url");

/** The id a cursor stands for, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): number | undefined {
  const m = /^id:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  return m ? Number(m[1]) : undefined;
}

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z
    .string()
    .max(100)
    .refine((c) => decodeCursor(c) !== undefined, "Not a cursor from this API.")
    .optional(),
};

/** The `Link` header for the next page: the same URL with `cursor` replaced. */
export function nextLink(requestUrl: string, lastId: number): string {
  const url = new URL(requestUrl);
  url.searchParams.set("cursor", encodeCursor(lastId));
  return `<${url.pathname}${url.search}>; rel="next"`;
}
