import { expect, test } from "./fixtures";
import { AuditPage } from "./pages/audit-page";
import { UsersPage } from "./pages/users-page";
import { type ActionArgsEncoding, actionResultOf, invokeServerAction, serverActionId } from "./support/server-actions";
import { uniqueSuffix } from "./support/accounts";

// A viewer does not get the admin form, so hiding buttons proves nothing: here the viewer calls
// the admin-only server action itself, with the same wire format the admin's browser uses.
const CREATE_USER = () => serverActionId("app/(dashboard)/settings/users/actions.ts", "createUserAction");
const VIEWER = "viewer@flightdeck.local";

function newUserFields(tag: string) {
  const email = `e2e-${tag}-${uniqueSuffix()}@example.test`;
  return { email, fields: { email, name: `E2E ${tag}`, password: "e2e-password-123456", roles: ["admin"] } };
}

// Sequential within this file so the count of the viewer's user.create denials is exact.
test.describe.configure({ mode: "default" });

for (const encoding of ["json", "multipart"] as ActionArgsEncoding[]) {
  test(`a viewer invoking createUserAction directly (${encoding} body) is refused, nothing is created, the denial is audited`, async ({ asUser, baseURL }) => {
    const actionId = CREATE_USER();
    const origin = baseURL!;
    const viewer = await asUser("viewer");
    const admin = await asUser("admin");
    const audit = new AuditPage(admin);
    const deniedUserCreate = async () => {
      await audit.goto({ actor: VIEWER, action: "authz.denied", subjectType: "action", subjectId: "user.create", limit: "500" });
      return audit.rows.count();
    };
    const deniedBefore = await deniedUserCreate();

    // Control: the same request shape from the admin's session really creates a user,
    // so the refusal below is the authorization check and not a malformed call.
    const control = newUserFields(`ok-${encoding}`);
    const okRes = await invokeServerAction(admin.request, { page: "/settings/users", actionId, origin, fields: control.fields, encoding });
    expect(okRes.status()).toBe(200);
    expect(actionResultOf(await okRes.text())).toMatchObject({ ok: true });

    const attempt = newUserFields(`evil-${encoding}`);
    const res = await invokeServerAction(viewer.request, { page: "/settings/users", actionId, origin, fields: attempt.fields, encoding });
    expect(res.status()).toBe(200);
    const result = actionResultOf(await res.text());
    expect(result).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(result.message).toContain("user.manage");
    expect(result).not.toHaveProperty("fieldErrors");

    // As admin, in the UI: the control user exists, the viewer's user does not.
    const users = new UsersPage(admin);
    await users.goto();
    await expect(users.card(control.email)).toBeVisible();
    await expect(users.card(attempt.email)).toHaveCount(0);

    // The denial is in the audit timeline: actor viewer, action authz.denied, subject user.create.
    await audit.goto();
    await audit.filter({ actor: VIEWER, action: "authz.denied" });
    await expect(admin).toHaveURL(/actor=viewer%40flightdeck\.local/);
    expect(new Set(await audit.actionsShown())).toEqual(new Set(["authz.denied"]));
    const denial = audit.rows.filter({ hasText: "action user.create" });
    await expect(denial.first()).toBeVisible();
    await expect(denial.first()).toContainText(VIEWER);
    await expect(denial.first()).toContainText('"permission":"user.manage"');
    await expect(denial).toHaveCount(deniedBefore + 1);
    expect(await deniedUserCreate()).toBe(deniedBefore + 1);
    // No user.create event names the refused email.
    await audit.goto({ action: "user.create", limit: "500" });
    await expect(audit.rows.filter({ hasText: control.email })).toHaveCount(1);
    await expect(audit.rows.filter({ hasText: attempt.email })).toHaveCount(0);
  });
}
