"use server";

import { defineAction } from "@/lib/actions/define-action";
import { deleteInput, environmentInput, updateEnvironmentInput } from "@/lib/domain/catalog-inputs";
import { createEnvironment } from "@/lib/services/environments/create-environment";
import { deleteEnvironment } from "@/lib/services/environments/delete-environment";
import { updateEnvironment } from "@/lib/services/environments/update-environment";

const revalidate = ["/settings/environments", "/"];

export const createEnvironmentAction = defineAction({
  name: "environment.create",
  permission: "environment.manage",
  input: environmentInput,
  run: ({ actor, input, requestId }) => createEnvironment(actor, input, requestId),
  revalidate,
});

export const updateEnvironmentAction = defineAction({
  name: "environment.update",
  permission: "environment.manage",
  input: updateEnvironmentInput,
  run: ({ actor, input, requestId }) => updateEnvironment(actor, input, requestId),
  revalidate,
});

export const deleteEnvironmentAction = defineAction({
  name: "environment.delete",
  permission: "environment.manage",
  input: deleteInput,
  run: ({ actor, input, requestId }) => deleteEnvironment(actor, input, requestId),
  revalidate,
});
