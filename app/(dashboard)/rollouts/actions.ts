"use server";

import { defineAction } from "@/lib/actions/define-action";
import { controlRolloutInput, executeRollbackInput, startRolloutInput } from "@/lib/domain/rollout/inputs";
import { controlRollout } from "@/lib/services/rollouts/control-rollout";
import { executeRollback } from "@/lib/services/rollouts/execute-rollback";
import { startRollout } from "@/lib/services/rollouts/start-rollout";

export const startRolloutAction = defineAction({
  name: "rollout.start",
  permission: "rollout.start",
  input: startRolloutInput,
  run: ({ actor, input, requestId }) => {
    const { rollout, created } = startRollout(actor, input, requestId);
    return { id: rollout.id, created };
  },
  revalidate: ["/rollouts", "/"],
});

export const controlRolloutAction = defineAction({
  name: "rollout.control",
  // The service asks for rollout.abort or rollout.control depending on the command.
  permission: "rollout.read",
  input: controlRolloutInput,
  run: ({ actor, input, requestId }) => {
    const r = controlRollout(actor, input, requestId);
    return { id: r.id, status: r.status };
  },
  revalidate: ["/rollouts"],
});

export const executeRollbackAction = defineAction({
  name: "rollback.execute",
  permission: "rollout.abort",
  input: executeRollbackInput,
  run: ({ actor, input, requestId }) => ({ id: executeRollback(actor, input, requestId).id }),
  revalidate: ["/rollouts", "/"],
});
