"use server";

import { defineAction } from "@/lib/actions/define-action";
import { createFlagInput, disableFlagInput, updateFlagInput } from "@/lib/domain/flags/flag";
import { createFlag } from "@/lib/services/flags/create-flag";
import { disableFlag } from "@/lib/services/flags/disable-flag";
import { updateFlag } from "@/lib/services/flags/update-flag";
import { flagEndpointInput } from "@/lib/domain/flags/external";
import { setFlagEndpoint } from "@/lib/services/flags/set-flag-endpoint";

// The list; the page the action ran on (a flag's own) is re-rendered with the action's answer.
const revalidate = ["/flags"];

export const createFlagAction = defineAction({
  name: "flag.create",
  permission: "flag.manage",
  input: createFlagInput,
  run: ({ actor, input, requestId }) => createFlag(actor, input, requestId),
  revalidate,
});

export const updateFlagAction = defineAction({
  name: "flag.update",
  permission: "flag.manage",
  input: updateFlagInput,
  run: ({ actor, input, requestId }) => updateFlag(actor, input, requestId),
  revalidate,
});

export const disableFlagAction = defineAction({
  name: "flag.disable",
  permission: "flag.manage",
  input: disableFlagInput,
  run: ({ actor, input, requestId }) => disableFlag(actor, input, requestId),
  revalidate,
});

// The external flag service is an outgoing call: admins only (as service hooks and admin commands).
export const setFlagEndpointAction = defineAction({
  name: "flag.external_update",
  permission: "service.manage",
  input: flagEndpointInput,
  run: ({ actor, input, requestId }) => setFlagEndpoint(actor, input, requestId),
  revalidate,
});
