"use server";

import { defineAction } from "@/lib/actions/define-action";
import { createTokenInput, revokeTokenInput } from "@/lib/domain/api-token";
import { createApiToken } from "@/lib/services/tokens/create-api-token";
import { revokeApiToken } from "@/lib/services/tokens/revoke-api-token";

const revalidate = ["/settings/tokens"];

/** Returns the secret once: the page shows it and it is never readable again. */
export const createTokenAction = defineAction({
  name: "token.create",
  permission: "token.manage",
  input: createTokenInput,
  run: ({ actor, input, requestId }) => createApiToken(actor, input, requestId, { source: "web" }),
  revalidate,
});

export const revokeTokenAction = defineAction({
  name: "token.revoke",
  permission: "token.manage",
  input: revokeTokenInput,
  run: ({ actor, input, requestId }) => revokeApiToken(actor, input, requestId),
  revalidate,
});
