"use server";

import { z } from "zod";
import { defineAction } from "@/lib/actions/define-action";
import { securityModeSchema, threatLevelSchema } from "@/lib/domain/policy/gate";
import { createOverride } from "@/lib/services/security/create-override";
import { revokeOverride } from "@/lib/services/security/revoke-override";
import { setSecurityGate } from "@/lib/services/security/set-security-gate";
import { createWindow } from "@/lib/services/windows/create-window";
import { deleteWindow } from "@/lib/services/windows/delete-window";

const id = z.coerce.number().int().positive();
// Overrides and windows are validated inside their services, so that a refused one is audited too.
const formFields = z.record(z.string(), z.unknown());

export const setGateAction = defineAction({
  name: "gate.set",
  permission: "security.manage",
  input: z.object({
    mode: securityModeSchema.optional(),
    threatLevel: threatLevelSchema.optional(),
    reason: z.string().trim().max(500).optional(),
    rowVersion: z.coerce.number().int().positive().optional(),
  }),
  run: ({ actor, input, requestId }) => {
    const g = setSecurityGate(actor, input, requestId);
    return { mode: g.mode, threatLevel: g.threatLevel };
  },
  revalidate: ["/security", "/"],
});

export const createOverrideAction = defineAction({
  name: "override.create",
  permission: "override.create",
  input: formFields,
  run: ({ actor, input, requestId }) => ({ id: createOverride(actor, input, requestId).id }),
  revalidate: ["/security"],
});

export const revokeOverrideAction = defineAction({
  name: "override.revoke",
  permission: "override.revoke",
  input: z.object({ overrideId: id }),
  run: ({ actor, input, requestId }) => revokeOverride(actor, input, requestId),
  revalidate: ["/security"],
});

export const createWindowAction = defineAction({
  name: "window.create",
  permission: "window.manage",
  input: formFields,
  run: ({ actor, input, requestId }) => ({ id: createWindow(actor, input, requestId).id }),
  revalidate: ["/security"],
});

export const deleteWindowAction = defineAction({
  name: "window.delete",
  permission: "window.manage",
  input: z.object({ windowId: id }),
  run: ({ actor, input, requestId }) => deleteWindow(actor, input, requestId),
  revalidate: ["/security"],
});
