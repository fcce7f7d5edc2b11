"use server";

import { defineAction } from "@/lib/actions/define-action";
import { attestInput } from "@/lib/domain/promote-gates/evaluate";
import { attestCorePath } from "@/lib/services/promote-gates/attest-core-path";

// "Core path validated" (runbook 000 section 4): the service checks the configured role from the DB-loaded roles.
export const attestCorePathAction = defineAction({
  name: "rollout.core_path_attested",
  permission: "rollout.read",
  input: attestInput,
  run: ({ actor, input, requestId }) => attestCorePath(actor, input, requestId),
  revalidate: ["/rollouts"],
});
