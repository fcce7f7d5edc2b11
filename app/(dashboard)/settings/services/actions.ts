"use server";

import { defineAction } from "@/lib/actions/define-action";
import { updateAnalysisConfigInput } from "@/lib/domain/analysis/config";
import { updateAnalysisConfig } from "@/lib/services/analysis/update-analysis-config";
import { deleteInput, serviceInput, updateServiceInput } from "@/lib/domain/catalog-inputs";
import { createService } from "@/lib/services/services/create-service";
import { deleteService } from "@/lib/services/services/delete-service";
import { updateService } from "@/lib/services/services/update-service";

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
