import "server-only";
import { randomUUID } from "node:crypto";
import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { currentActorState } from "@/lib/auth/session";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import type { Permission } from "@/lib/domain/permissions";
import { AppError, ForbiddenError, InvalidError } from "@/lib/errors";
import { recordDenial } from "@/lib/services/authz/record-denial";
import { formDataToObject } from "./form-data";
import type { ActionResult } from "./result";

export interface ActionContext<I> {
  actor: Actor;
  input: I;
  requestId: string;
}

/**
 * The one way to write a server action (DESIGN rule 3): signed-in user -> permission from the
 * DB-loaded roles (a denial is audited) -> zod parse with field errors -> service -> typed result.
 * Authorization runs before validation so an unauthorized caller learns nothing about the input.
 * Usable with useActionState (prev, formData) and as a plain call with an object.
 */
export function defineAction<S extends z.ZodType, T>(def: {
  name: string;
  permission: Permission;
  input: S;
  run: (ctx: ActionContext<z.output<S>>) => T | Promise<T>;
  revalidate?: string[];
}) {
  return async function action(_prev: unknown, raw: unknown): Promise<ActionResult<T>> {
    const requestId = randomUUID();
    try {
      const state = await currentActorState();
      if (state.status !== "ok") {
        return {
          ok: false,
          code: "UNAUTHENTICATED",
          message: state.status === "disabled" ? "Your account is disabled." : "Please sign in.",
        };
      }
      const actor = state.actor;
      assertCan(actor, def.permission);
      const parsed = def.input.safeParse(raw instanceof FormData ? formDataToObject(raw) : raw);
      if (!parsed.success) {
        // Errors inside a structured field (e.g. strategy.steps.1.weight) belong to that form field.
        const { message, fieldErrors } = InvalidError.fromIssues(parsed.error.issues);
        return { ok: false, code: "INVALID", message, fieldErrors };
      }
      const data = await def.run({ actor, input: parsed.data, requestId });
      for (const path of def.revalidate ?? []) revalidatePath(path);
      return { ok: true, data };
    } catch (err) {
      return toResult(err, def.name, requestId);
    }
  };
}

async function toResult(err: unknown, name: string, requestId: string): Promise<ActionResult<never>> {
  if (err instanceof ForbiddenError) {
    const state = await currentActorState();
    if (state.status === "ok") recordDenial(state.actor, name, err.permission, requestId);
    return { ok: false, code: "FORBIDDEN", message: err.message };
  }
  if (err instanceof AppError) {
    return { ok: false, code: err.code, message: err.message, fieldErrors: err.fieldErrors, reasons: err.reasons };
  }
  console.error(`[action ${name}] request ${requestId} failed`, err);
  return { ok: false, code: "INTERNAL", message: `Something went wrong. Reference: ${requestId}.` };
}
