"use server";

import { defineAction } from "@/lib/actions/define-action";
import { createUserInput, resetPasswordInput, setDisabledInput, setRolesInput } from "@/lib/domain/catalog-inputs";
import { createUser } from "@/lib/services/users/create-user";
import { resetPassword } from "@/lib/services/users/reset-password";
import { setUserDisabled } from "@/lib/services/users/set-user-disabled";
import { setUserRoles } from "@/lib/services/users/set-user-roles";

const revalidate = ["/settings/users"];

export const createUserAction = defineAction({
  name: "user.create",
  permission: "user.manage",
  input: createUserInput,
  run: ({ actor, input, requestId }) => createUser(actor, input, requestId),
  revalidate,
});

export const setUserRolesAction = defineAction({
  name: "user.set_roles",
  permission: "user.manage",
  input: setRolesInput,
  run: ({ actor, input, requestId }) => setUserRoles(actor, input, requestId),
  revalidate,
});

export const setUserDisabledAction = defineAction({
  name: "user.set_disabled",
  permission: "user.manage",
  input: setDisabledInput,
  run: ({ actor, input, requestId }) => setUserDisabled(actor, input, requestId),
  revalidate,
});

export const resetPasswordAction = defineAction({
  name: "user.reset_password",
  permission: "user.manage",
  input: resetPasswordInput,
  run: ({ actor, input, requestId }) => resetPassword(actor, input, requestId),
  revalidate,
});
