"use server";

import { z } from "zod";
import { defineAction } from "@/lib/actions/define-action";
import { createProbeInput } from "@/lib/domain/health";
import { createProbe } from "@/lib/services/health/create-probe";
import { deleteProbe } from "@/lib/services/health/delete-probe";

export const createProbeAction = defineAction({
  name: "probe.create",
  permission: "probe.manage",
  input: createProbeInput,
  run: ({ actor, input, requestId }) => ({ id: createProbe(actor, input, requestId).id }),
  revalidate: ["/health"],
});

export const deleteProbeAction = defineAction({
  name: "probe.delete",
  permission: "probe.manage",
  input: z.object({ probeId: z.coerce.number().int().positive() }),
  run: ({ actor, input, requestId }) => deleteProbe(actor, input, requestId),
  revalidate: ["/health"],
});
