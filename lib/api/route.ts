import "server-only";
import type { z } from "zod";
import { withRoute } from "@/lib/auth/route";
import type { Actor } from "@/lib/domain/actor";
import type { Permission } from "@/lib/domain/permissions";
import { InvalidError } from "@/lib/errors";
import { ApiRefusal } from "./body";
import { asProblem, refusal } from "./problem";

/**
 * The REST API's route wrapper (/api/v1): withRoute's authentication (Bearer token or session),
 * permission check and refusal auditing, plus the API conventions: every error is RFC 9457
 * problem+json (never a stack trace or SQL: unexpected errors are a 500 with a reference only),
 * every answer carries `X-Request-Id`, and a reader's refusal (ApiRefusal: 413, 415, 428, 412)
 * is answered and audited like any other.
 */
export function withApiRoute<C>(
  name: string,
  permission: Permission,
  handler: (req: Request, ctx: C & { actor: Actor; requestId: string }) => Response | Promise<Response>,
) {
  const route = withRoute<C>(name, permission, async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (err) {
      if (err instanceof ApiRefusal) return err.response;
      throw err;
    }
  });
  return async (req: Request, ctx: C): Promise<Response> => asProblem(await route(req, ctx));
}

/** The query string validated against a schema; a failure is INVALID with field errors per parameter. */
export function readQuery<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  const parsed = schema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) throw InvalidError.fromIssues(parsed.error.issues);
  return parsed.data;
}

/** A numeric id from the path, or a 404 problem (an id that cannot exist is simply not found). */
export function pathId(raw: string, what: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw new ApiRefusal(refusal(404, "NOT_FOUND", `${what} was not found.`));
  return Number(raw);
}
