import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { ReleasePage } from "./pages/releases-page";
import { type Permission, can } from "../lib/domain/permissions";
import type { Role } from "../lib/domain/roles";
import { ALL_ACCOUNTS, type AccountKey, type RoleAccount } from "./support/accounts";

// Accessibility as a check (issue 14 item 7): axe-core over every page as every role, with no
// "serious" or "critical" violation of WCAG 2.0 / 2.1 A and AA. Read-only visits (it runs beside
// the other specs on the same server); the one exception is a release made by the captain when
// nobody has made one yet, so that the release page is checked too.
//
// The page list is e2e/doors.spec.ts's table (its pages answering 200; doors.spec.ts checks that
// the table covers every page of the app). A page a role may not open (403) is skipped for that
// role; the forbidden page and the not-found page are checked once each.
//
// Run time: every page as every account took ~5 min on the 2-core machine, so a page is checked
// once per distinct set of the permissions it renders differently for (PAGES below, from the
// page's can() calls): e.g. /security once for security, once for eng_lead/on-call, once for the
// sentinel/admin and once for the rest. One test per account, its pages in sequence; an account
// checks the pages for which it is the first account (in ALL_ACCOUNTS order) with its set.
//
// /api-docs is checked whole, Swagger UI included: lib/api/docs-assets.ts darkens its colours,
// turns off deep links (an <a> inside each operation's <button>) and names its <select>s.

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const BLOCKING = new Set(["serious", "critical"]);

interface Ids {
  rollout: number;
  service: number;
  environment: number;
  release: number;
}

/** The pages of doors.spec.ts's table that answer 200, with the permissions each renders differently for. */
function pages(ids: Ids): { path: string; varies: Permission[] }[] {
  const admin: Permission[] = ["service.manage"];
  return [
    { path: "/", varies: [] },
    { path: "/api-docs", varies: [] },
    { path: "/approvals", varies: ["approval.decide", "release.create"] },
    { path: "/audit", varies: ["audit.export"] },
    { path: "/flags", varies: ["flag.manage"] },
    { path: "/health", varies: ["probe.manage"] },
    { path: "/insights?environment=all", varies: [] },
    { path: "/incidents", varies: ["incident.manage"] },
    { path: "/releases", varies: ["release.create"] },
    { path: `/releases/${ids.release}`, varies: ["release.advance", "release.create", "preflight.attest", "approval.decide"] },
    { path: "/releases/new", varies: ["release.create"] },
    { path: "/rollouts", varies: ["rollout.start"] },
    { path: `/rollouts/${ids.rollout}`, varies: ["rollout.control", "rollout.abort"] },
    { path: "/rollouts/rollback", varies: ["rollout.abort"] },
    { path: "/security", varies: ["security.manage", "override.create", "override.revoke", "window.manage"] },
    { path: "/settings", varies: admin },
    { path: "/settings/environments", varies: admin },
    { path: `/settings/environments/${ids.environment}`, varies: admin },
    { path: "/settings/notifications", varies: ["notification.manage"] },
    { path: "/settings/services", varies: admin },
    { path: `/settings/services/${ids.service}`, varies: admin },
    { path: "/settings/users", varies: admin },
    { path: "/settings/tokens", varies: ["token.admin"] },
  ];
}

/** The roles of a demo account (the captain-sentinel holds both). */
function rolesOf(acct: RoleAccount): Role[] {
  return acct.key === "captainSentinel" ? ["release_captain", "sentinel"] : [acct.role];
}

/** True when no earlier account renders the page with the same permissions. */
function firstWithItsPermissions(acct: RoleAccount, varies: Permission[]): boolean {
  const key = (a: RoleAccount) => varies.map((p) => can(rolesOf(a), p)).join();
  return ALL_ACCOUNTS.find((a) => key(a) === key(acct))?.key === acct.key;
}

/** The first id linked from a list page (`prefix<digits>`), waiting for the demo to have one. */
async function firstId(page: Page, listPath: string, prefix: string): Promise<number> {
  let id = 0;
  await expect(async () => {
    await page.goto(listPath);
    const hrefs = await page.locator(`a[href^="${prefix}"]`).evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
    id = Number(hrefs.map((h) => h.slice(prefix.length)).find((rest) => /^\d+$/.test(rest)));
    expect(id).toBeGreaterThan(0);
  }).toPass({ timeout: 45_000, intervals: [500, 1000] });
  return id;
}

/** Ids like doors.spec.ts finds them; a release: the first on /releases, made by the captain only if there is none. */
async function demoIds(asUser: (key: AccountKey) => Promise<Page>): Promise<Ids> {
  const admin = await asUser("admin");
  const rollout = await firstId(admin, "/rollouts", "/rollouts/");
  const service = await firstId(admin, "/settings/services", "/settings/services/");
  const environment = await firstId(admin, "/settings/environments", "/settings/environments/");
  await admin.goto("/releases");
  const hrefs = await admin.locator('a[href^="/releases/"]').evaluateAll((as) => as.map((a) => a.getAttribute("href") ?? ""));
  let release = Number(hrefs.map((h) => h.slice("/releases/".length)).find((rest) => /^\d+$/.test(rest)));
  if (!(release > 0)) {
    release = await new ReleasePage(await asUser("captain")).create({ version: `9.${Date.now() % 100000}.0`, commit: "a11a11ed" });
  }
  await admin.close();
  return { rollout, service, environment, release };
}

/** Opens a page, waits for it to be hydrated, runs axe; returns one line per serious or critical violation. */
async function audit(page: Page, path: string, who: string): Promise<{ status: number; problems: string[] }> {
  const res = await page.goto(path);
  const status = res?.status() ?? 0;
  if (status === 403) return { status, problems: [] };
  await expect.poll(() => page.evaluate(() => typeof (window as { next?: { version?: string } }).next?.version), { message: `${path} hydrated` }).toBe("string");
  await expect(page.locator("h1").first()).toBeVisible();
  return { status, problems: await axe(page, `${path} as ${who}`) };
}

/** axe on the page as it stands: one line per element of a serious or critical violation (rule, impact, target, page). */
async function axe(page: Page, where: string): Promise<string[]> {
  const builder = new AxeBuilder({ page }).withTags(TAGS);
  const results = await builder.analyze();
  return results.violations
    .filter((v) => BLOCKING.has(v.impact ?? ""))
    .flatMap((v) =>
      v.nodes.map((n) => `${where}: [${v.impact}] ${v.id} (${v.help}) at ${n.target.join(" ")}${n.failureSummary ? ` - ${n.failureSummary.replace(/\s+/g, " ")}` : ""}`),
    );
}

test.describe("accessibility (axe-core, WCAG 2.1 A/AA): no serious or critical violation", () => {
  for (const acct of ALL_ACCOUNTS) {
    test(`the pages ${acct.key} may open, once per permission set`, async ({ asUser }) => {
      test.setTimeout(240_000);
      const ids = await demoIds(asUser);
      const page = await asUser(acct.key);
      const problems: string[] = [];
      const checked: string[] = [];
      for (const { path, varies } of pages(ids)) {
        if (!firstWithItsPermissions(acct, varies)) continue;
        const r = await audit(page, path, acct.key);
        expect([200, 403], `${path} as ${acct.key}`).toContain(r.status);
        if (r.status === 200) checked.push(path);
        problems.push(...r.problems);
      }
      // Which pages this account checked (an account that renders every page like an earlier one checks none).
      test.info().annotations.push({ type: "checked", description: checked.join(", ") || "none" });
      expect(problems, problems.join("\n")).toEqual([]);
    });
  }

  test("the sign-in page, the forbidden page and the not-found page", async ({ anonymousPage, asUser }) => {
    test.setTimeout(120_000);
    const problems: string[] = [];
    const anonymous = await anonymousPage();
    const signIn = await audit(anonymous, "/sign-in", "anonymous");
    expect(signIn.status).toBe(200);
    problems.push(...signIn.problems);

    const viewer = await asUser("viewer");
    // audit() skips a 403 for the page list above; here the forbidden page itself is checked.
    expect((await viewer.goto("/settings/users"))?.status()).toBe(403);
    await expect(viewer.getByRole("heading", { name: "Forbidden", exact: true })).toBeVisible();
    problems.push(...(await axe(viewer, "(403) /settings/users as viewer")));

    const notFound = await audit(viewer, "/no-such-page", "viewer");
    expect(notFound.status).toBe(404);
    problems.push(...notFound.problems);
    expect(problems, problems.join("\n")).toEqual([]);
  });
});
