"use server";

import { defineAction } from "@/lib/actions/define-action";
import { promoteGatesInput } from "@/lib/domain/promote-gates/config";
import { updatePromoteGates } from "@/lib/services/promote-gates/update-promote-gates";

// Promote gates (issue 13 item 3): the CI gate runs a command on the host, so admins only (service.manage).
export const updatePromoteGatesAction = defineAction({
  name: "promote_gates.update",
  permission: "service.manage",
  input: promoteGatesInput,
  run: ({ actor, input, requestId }) => updatePromoteGates(actor, input, requestId),
  revalidate: ["/settings/services"],
});
