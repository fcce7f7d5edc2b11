import type { Metadata } from "next";
import { ActionForm, CheckboxGroup, Field } from "@/components/ui/action-form";
import { Card, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listUsersWithRoles } from "@/db/queries/users";
import { authorizePage } from "@/lib/auth/session";
import { ROLES, ROLE_LABELS } from "@/lib/domain/roles";
import { createUserAction, resetPasswordAction, setUserDisabledAction, setUserRolesAction } from "./actions";

export const metadata: Metadata = { title: "Users" };

const roleOptions = ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));

export default async function UsersPage() {
  const { actor } = await authorizePage("user.read", "/settings/users");
  const users = listUsersWithRoles(getDb());
  return (
    <>
      <PageHeader title="Users and roles" description="Role changes and disabled accounts take effect on the person's next request." />
      <Card title="Create user" className="mb-6">
        <ActionForm action={createUserAction} submitLabel="Create user" successMessage="User created." resetOnSuccess aria-label="Create user">
          <div className="grid gap-3 sm:grid-cols-3">
            <Field name="email" label="Email" type="email" autoComplete="off" />
            <Field name="name" label="Name" />
            <Field name="password" label="Initial password" type="password" autoComplete="new-password" hint="At least 12 characters." />
          </div>
          <CheckboxGroup name="roles" legend="Roles" options={roleOptions} />
        </ActionForm>
      </Card>
      <ul className="space-y-3" aria-label="Users">
        {users.map((u) => (
          <li key={u.id} className="rounded-lg border border-slate-200 bg-white p-4" data-testid={`user-${u.email}`}>
            <div className="flex flex-wrap items-baseline justify-between gap-2">
              <div>
                <span className="font-semibold">{u.name}</span> <span className="text-sm text-slate-600">{u.email}</span>
                {u.demo && <span className="ml-2 rounded bg-amber-100 px-1.5 text-xs text-amber-900">demo</span>}
                {u.disabled && <span className="ml-2 rounded bg-red-100 px-1.5 text-xs text-red-900">disabled</span>}
              </div>
              {u.id !== actor.id && (
                <ActionForm
                  action={setUserDisabledAction}
                  submitLabel={u.disabled ? "Enable account" : "Disable account"}
                  toast={u.disabled ? `${u.email} enabled.` : `${u.email} disabled.`}
                  variant={u.disabled ? "secondary" : "danger"}
                  confirm={u.disabled ? undefined : `Disable ${u.email}? They are signed out on their next request.`}
                  className="flex items-center gap-2"
                  aria-label={`${u.disabled ? "Enable" : "Disable"} ${u.email}`}
                >
                  <input type="hidden" name="userId" value={u.id} />
                  {!u.disabled && <input type="hidden" name="disabled" value="true" />}
                </ActionForm>
              )}
            </div>
            <ActionForm action={setUserRolesAction} submitLabel="Save roles" successMessage="Roles saved." variant="secondary" className="mt-3 space-y-2" aria-label={`Roles of ${u.email}`}>
              <input type="hidden" name="userId" value={u.id} />
              <CheckboxGroup name="roles" legend="Roles" options={roleOptions} checked={u.roles} />
            </ActionForm>
            <details className="mt-2">
              <summary className="cursor-pointer text-sm text-slate-600">Reset password</summary>
              <ActionForm action={resetPasswordAction} submitLabel="Set password" successMessage="Password changed." resetOnSuccess variant="secondary" className="mt-2 flex items-end gap-3" aria-label={`Reset password of ${u.email}`}>
                <input type="hidden" name="userId" value={u.id} />
                <Field name="password" label="New password" type="password" autoComplete="new-password" />
              </ActionForm>
            </details>
          </li>
        ))}
      </ul>
    </>
  );
}
