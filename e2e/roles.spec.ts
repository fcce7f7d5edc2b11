import { expect, test } from "./fixtures";
import { Dashboard } from "./pages/dashboard";
import { ROLE_ACCOUNTS, storageStatePath } from "./support/accounts";

// Every role signs in (saved sign-in of the setup project) and sees what its role allows.
const EVERYONE_PAGES = [
  { nav: "Overview", path: "/", heading: "Overview" },
  { nav: "Releases", path: "/releases", heading: "Releases" },
  { nav: "Rollouts", path: "/rollouts", heading: "Rollouts" },
  { nav: "Flags", path: "/flags", heading: "Feature flags" },
  { nav: "Approvals", path: "/approvals", heading: "Approvals inbox" },
  { nav: "Incidents", path: "/incidents", heading: "Incidents" },
  { nav: "Health", path: "/health", heading: "Health" },
  { nav: "Security", path: "/security", heading: "Security gate" },
  { nav: "Audit", path: "/audit", heading: "Audit timeline" },
  { nav: "Insights", path: "/insights", heading: "Insights" },
] as const;

for (const acct of ROLE_ACCOUNTS) {
  const isAdmin = acct.role === "admin";

  test(`${acct.label} (${acct.email}) sees what the role allows`, async ({ asUser }) => {
    const page = await asUser(acct.key);
    const dash = new Dashboard(page);

    await page.goto("/");
    await expect(dash.roles).toHaveText(acct.label);
    for (const p of EVERYONE_PAGES) await expect(dash.navLink(p.nav)).toBeVisible();
    // The shared areas come first, in this order, then Settings for admins.
    const navOrder = await dash.nav.getByRole("link").allInnerTexts();
    expect(navOrder.map((t) => t.trim())).toEqual([...EVERYONE_PAGES.map((p) => p.nav), ...(isAdmin ? ["Settings"] : [])]);
    if (isAdmin) await expect(dash.navLink("Settings")).toBeVisible();
    else await expect(dash.navLink("Settings")).toHaveCount(0);

    // Every role may open the shared areas, through the navigation like a person would.
    for (const p of EVERYONE_PAGES) {
      await dash.navLink(p.nav).click();
      await expect(page).toHaveURL((url) => url.pathname === p.path);
      await expect(page.getByRole("heading", { level: 1, name: p.heading, exact: true })).toBeVisible();
      await expect(dash.forbidden()).toHaveCount(0);
      await expect(dash.navLink(p.nav)).toHaveAttribute("aria-current", "page");
    }

    // Only admins manage users; anyone else typing the address gets "Forbidden" (HTTP 403).
    const res = await page.goto("/settings/users");
    expect(res?.status()).toBe(isAdmin ? 200 : 403);
    if (isAdmin) {
      await expect(page.getByRole("heading", { level: 1, name: "Users and roles" })).toBeVisible();
      await expect(dash.forbidden()).toHaveCount(0);
    } else {
      await expect(dash.forbidden()).toBeVisible();
      await expect(page.getByRole("form", { name: "Create user" })).toHaveCount(0);
      await expect(page.getByTestId(/^user-/)).toHaveCount(0);
    }
  });
}

test("every non-admin's refused visit to /settings/users is in the audit timeline", async ({ asUser, playwright, baseURL }) => {
  // The role tests above run in any order (or in parallel): each non-admin tries once more here.
  for (const acct of ROLE_ACCOUNTS.filter((a) => a.role !== "admin")) {
    const request = await playwright.request.newContext({ baseURL, storageState: storageStatePath(acct.email) });
    const res = await request.get("/settings/users");
    expect(res.status()).toBe(403);
    const html = await res.text();
    expect(html).toContain("Forbidden");
    expect(html).not.toContain(`data-testid="user-admin@flightdeck.local"`);
    await request.dispose();
  }
  const admin = await asUser("admin");
  await admin.goto("/audit?action=authz.denied&subjectType=action&subjectId=page%3A%2Fsettings%2Fusers&limit=500");
  const rows = admin.getByRole("table", { name: "Audit events" }).locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  // The actor cell shows the person's name, then the account's email (data-testid="audit-actor-email").
  const actors = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('[data-testid="audit-actor-email"]')?.textContent ?? ""));
  for (const acct of ROLE_ACCOUNTS) {
    if (acct.role === "admin") expect(actors).not.toContain(acct.email);
    else expect(actors).toContain(acct.email);
  }
  expect(await rows.evaluateAll((trs) => trs.every((tr) => tr.getAttribute("data-action") === "authz.denied"))).toBe(true);
});
