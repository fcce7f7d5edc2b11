"use server";

import { z } from "zod";
import { defineAction } from "@/lib/actions/define-action";
import { updateAnalysisConfigInput } from "@/lib/domain/analysis/config";
import { replayAnalysis } from "@/lib/services/analysis/replay-analysis";
import { updateAnalysisConfig } from "@/lib/services/analysis/update-analysis-config";
import { deleteInput, serviceInput, updateServiceInput } from "@/lib/domain/catalog-inputs";
import { createService } from "@/lib/services/services/create-service";
import { deleteService } from "@/lib/services/services/delete-service";
import { updateService } from "@/lib/services/services/update-service";
import { createHookInput, deleteHookInput, updateHookInput } from "@/lib/domain/hooks/step-hooks";
import { createStepHook } from "@/lib/services/hooks/create-step-hook";
import { deleteStepHook } from "@/lib/services/hooks/delete-step-hook";
import { updateStepHook } from "@/lib/services/hooks/update-step-hook";

const revalidate = ["/settings/services", "/"];

export const createServiceAction = defineAction({
  name: "service.create",
  permission: "service.manage",
  input: serviceInput,
  run: ({ actor, input, requestId }) => createService(actor, input, requestId),
  revalidate,
});

export const updateServiceAction = defineAction({
  name: "service.update",
  permission: "service.manage",
  input: updateServiceInput,
  run: ({ actor, input, requestId }) => updateService(actor, input, requestId),
  revalidate,
});

export const deleteServiceAction = defineAction({
  name: "service.delete",
  permission: "service.manage",
  input: deleteInput,
  run: ({ actor, input, requestId }) => deleteService(actor, input, requestId),
  revalidate,
});

export const updateAnalysisConfigAction = defineAction({
  name: "analysis.config_update",
  permission: "service.manage",
  input: updateAnalysisConfigInput,
  run: ({ actor, input, requestId }) => updateAnalysisConfig(actor, input, requestId),
  revalidate: ["/settings/services"],
});

// Read-only (nothing saved, nothing audited) but it shows the service's past rollouts and runs
// work on the server: the same permission as editing the config. The draft is validated inside
// the service (replayAnalysisInput), with the same field errors as Save.
export const replayAnalysisAction = defineAction({
  name: "analysis.replay",
  permission: "service.manage",
  input: z.record(z.string(), z.unknown()),
  run: ({ actor, input }) => replayAnalysis(actor, input),
});

// Step hooks (issue 12 item 6): outgoing calls, so admins only (the service's own permission).
export const createStepHookAction = defineAction({
  name: "hook.create",
  permission: "service.manage",
  input: createHookInput,
  run: ({ actor, input, requestId }) => createStepHook(actor, input, requestId),
  revalidate: ["/settings/services"],
});

export const updateStepHookAction = defineAction({
  name: "hook.update",
  permission: "service.manage",
  input: updateHookInput,
  run: ({ actor, input, requestId }) => updateStepHook(actor, input, requestId),
  revalidate: ["/settings/services"],
});

export const deleteStepHookAction = defineAction({
  name: "hook.delete",
  permission: "service.manage",
  input: deleteHookInput,
  run: ({ actor, input, requestId }) => deleteStepHook(actor, input, requestId),
  revalidate: ["/settings/services"],
});
