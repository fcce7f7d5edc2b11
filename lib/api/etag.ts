import { refusal } from "./problem";
import { ApiRefusal } from "./body";

/**
 * Optimistic concurrency over HTTP (RFC 9110 §13.1.1): a mutable resource's `ETag` is its row
 * version (strong, `"v3"`), and every state change needs `If-Match`. Decision: a missing
 * If-Match is 428, so a client never overwrites a state it did not see; `If-Match: *` is the
 * explicit "whatever it is now" (e.g. an emergency abort from a script). A stale tag is 412.
 */
export const etagOf = (rowVersion: number) => `"v${rowVersion}"`;

/** The row version an If-Match asks for: a number, "any" for `*`; refuses a missing (428) or non-matching (412) one. */
export function requireIfMatch(req: Request, current: number): number | "any" {
  const header = req.headers.get("if-match");
  if (header === null || header.trim() === "") {
    throw new ApiRefusal(refusal(428, "PRECONDITION_FAILED", `This change needs an If-Match header: the ETag from GET (now ${etagOf(current)}), or * for whatever state it is in.`));
  }
  if (header.trim() === "*") return "any";
  // Strong comparison: a weak tag (W/"...") never matches.
  const tags = header.split(",").map((t) => t.trim());
  if (!tags.includes(etagOf(current))) {
    throw new ApiRefusal(refusal(412, "PRECONDITION_FAILED", `The resource changed since you read it (now ${etagOf(current)}). GET it again and retry.`));
  }
  return current;
}
