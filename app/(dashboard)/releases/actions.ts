"use server";

import { defineAction } from "@/lib/actions/define-action";
import { z } from "zod";
import { attestInput, createReleaseInput, releaseCommandInput, runPreflightInput, updateReleaseInput } from "@/lib/domain/release/inputs";
import { attestPreflight } from "@/lib/services/releases/attest-preflight";
import { createRelease } from "@/lib/services/releases/create-release";
import { driveRelease } from "@/lib/services/releases/drive-release";
import { runPreflight } from "@/lib/services/releases/run-preflight";
import { startValidation } from "@/lib/services/releases/start-validation";
import { updateRelease } from "@/lib/services/releases/update-release";
import { shown } from "@/lib/domain/release/edit";

export const createReleaseAction = defineAction({
  name: "release.create",
  permission: "release.create",
  input: createReleaseInput,
  run: ({ actor, input, requestId }) => ({ id: createRelease(actor, input, requestId).id }),
  revalidate: ["/releases"],
});

export const updateReleaseAction = defineAction({
  name: "release.update",
  permission: "release.create",
  input: updateReleaseInput,
  run: ({ actor, input, requestId }) => {
    const saved = updateRelease(actor, input, requestId);
    return { id: saved.id, changes: saved.changes.map((c) => ({ label: c.label, before: shown(c.before, 200), after: shown(c.after, 200) })), reRequested: saved.reRequested };
  },
  revalidate: ["/releases", "/approvals"],
});

export const driveReleaseAction = defineAction({
  name: "release.advance",
  permission: "release.advance",
  input: releaseCommandInput,
  run: ({ actor, input, requestId }) => {
    const r = driveRelease(actor, input, requestId);
    return { id: r.release.id, phase: r.release.status, rolloutIds: r.rolloutIds };
  },
  revalidate: ["/releases", "/approvals", "/rollouts", "/"],
});

export const runPreflightAction = defineAction({
  name: "preflight.check",
  permission: "release.advance",
  input: runPreflightInput,
  run: ({ actor, input, requestId }) => runPreflight(actor, input, requestId),
  revalidate: ["/releases"],
});

export const attestPreflightAction = defineAction({
  name: "preflight.attest",
  permission: "preflight.attest",
  input: attestInput,
  run: ({ actor, input, requestId }) => attestPreflight(actor, input, requestId),
  revalidate: ["/releases"],
});

export const startValidationAction = defineAction({
  name: "validation.start",
  permission: "release.advance",
  input: z.object({ releaseId: z.coerce.number().int().positive(), environmentId: z.coerce.number().int().positive() }),
  run: ({ actor, input, requestId }) => ({ id: startValidation(actor, input, requestId).id }),
  revalidate: ["/releases"],
});
