import "server-only";
import { randomUUID } from "node:crypto";
import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import type { z } from "zod";
import { clientAddress } from "@/lib/auth/client-address";
import { refuseForeignOrigin } from "@/lib/auth/origin";
import { currentActorState } from "@/lib/auth/session";
import { assertCan } from "@/lib/authz/assert-can";
import type { Actor } from "@/lib/domain/actor";
import { fieldNames } from "@/lib/domain/input-summary";
import type { Permission } from "@/lib/domain/permissions";
import { AppError, ForbiddenError, InvalidError } from "@/lib/errors";
import { auditRefusal } from "@/lib/services/authz/audit-refusal";
import { formDataToObject } from "./form-data";
import type { ActionResult } from "./result";

export interface ActionContext<I> {
  actor: Actor;
  input: I;
  requestId: string;
}

/** What a test (the fuzz test) may learn about an action without calling it. */
export interface ActionDefinition {
  name: string;
  permission: Permission;
  input: z.ZodType;
}

/** Key under which every action function carries its ActionDefinition (non-enumerable). */
export const ACTION_DEFINITION = Symbol.for("flightdeck.actionDefinition");

type Failure = Extract<ActionResult<never>, { ok: false }>;

/** The caller's address, when this runs inside a request (never throws). */
async function requestAddress(): Promise<string | undefined> {
  try {
    return clientAddress(await headers());
  } catch {
    return undefined;
  }
}

/**
 * The one way to write a server action (DESIGN rule 3): signed-in user -> permission from the
 * DB-loaded roles -> zod parse with field errors -> service -> typed result. Authorization runs
 * before validation so an unauthorized caller learns nothing about the input.
 * Every refusal is audited here (issue 10), unless the service audited it already (AppError.audited):
 * no session, a disabled account, FORBIDDEN, INVALID input (junk is how an attacker probes), and
 * every AppError code; only with the names of the fields sent, under the refusal rate cap.
 * Usable with useActionState (prev, formData) and as a plain call with an object.
 */
export function defineAction<S extends z.ZodType, T>(def: {
  name: string;
  permission: Permission;
  input: S;
  run: (ctx: ActionContext<z.output<S>>) => T | Promise<T>;
  revalidate?: string[];
}) {
  async function action(_prev: unknown, raw: unknown): Promise<ActionResult<T>> {
    const requestId = randomUUID();
    // Defense in depth behind proxy.ts: a request from a foreign origin is refused and audited.
    const refused = await refuseForeignOrigin(def.name, requestId);
    if (refused) return refused;
    let actor: Actor | null = null;

    /** Audits a refusal and returns it; an audit that cannot be written is a server error (fails closed). */
    const refuse = async (result: Failure, opts: { actor: Actor | null; audited?: boolean; permission?: string }): Promise<Failure> => {
      if (opts.audited) return result;
      try {
        auditRefusal({
          actor: opts.actor,
          attempted: def.name,
          code: result.code,
          message: result.message,
          requestId,
          address: await requestAddress(),
          permission: opts.permission,
          fields: fieldNames(raw),
          invalid: result.fieldErrors ? Object.keys(result.fieldErrors) : undefined,
        });
        return result;
      } catch (err) {
        return internal(err, def.name, requestId);
      }
    };

    try {
      const state = await currentActorState();
      if (state.status !== "ok") {
        const disabled = state.status === "disabled";
        return await refuse(
          { ok: false, code: "UNAUTHENTICATED", message: disabled ? "Your account is disabled." : "Please sign in." },
          { actor: disabled ? state.account : null },
        );
      }
      actor = state.actor;
      assertCan(actor, def.permission);
      const parsed = def.input.safeParse(raw instanceof FormData ? formDataToObject(raw) : raw);
      if (!parsed.success) {
        // Errors inside a structured field (e.g. strategy.steps.1.weight) belong to that form field.
        const { message, fieldErrors } = InvalidError.fromIssues(parsed.error.issues);
        return await refuse({ ok: false, code: "INVALID", message, fieldErrors }, { actor });
      }
      const data = await def.run({ actor, input: parsed.data, requestId });
      for (const path of def.revalidate ?? []) revalidatePath(path);
      return { ok: true, data };
    } catch (err) {
      if (err instanceof AppError) {
        const result: Failure =
          err instanceof ForbiddenError
            ? { ok: false, code: "FORBIDDEN", message: err.message }
            : { ok: false, code: err.code, message: err.message, fieldErrors: err.fieldErrors, reasons: err.reasons };
        return await refuse(result, { actor, audited: err.audited, permission: err instanceof ForbiddenError ? err.permission : undefined });
      }
      return internal(err, def.name, requestId);
    }
  }
  Object.defineProperty(action, ACTION_DEFINITION, { value: { name: def.name, permission: def.permission, input: def.input } satisfies ActionDefinition });
  return action;
}

function internal(err: unknown, name: string, requestId: string): Failure {
  console.error(`[action ${name}] request ${requestId} failed`, err);
  return { ok: false, code: "INTERNAL", message: `Something went wrong. Reference: ${requestId}.` };
}
