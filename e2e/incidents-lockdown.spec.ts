import { expect, test } from "./fixtures";
import { AuditPage } from "./pages/audit-page";
import { IncidentPage, IncidentsPage } from "./pages/incidents-page";
import { SecurityPage } from "./pages/releases-page";
import { uniqueSuffix } from "./support/accounts";

// E5: a critical (P1) security incident puts the global security gate in lockdown by itself.
// The gate is shared by every spec, so this file has its own Playwright project that runs alone,
// after governance (playwright.config.ts), and lifts the lockdown again as the Security team.

test("a P1 security incident locks the security gate down by itself; Security lifts it", async ({ asUser }) => {
  const page = await asUser("security");
  const security = new SecurityPage(page);
  await security.goto();
  await expect(page.getByTestId("gate-banner")).not.toHaveAttribute("data-mode", "lockdown");
  const title = `E2E leaked signing key ${uniqueSuffix()}`;
  try {
    const id = await new IncidentsPage(page).open({ title, kind: "security", severity: "P1", summary: "Key found in a public gist" });
    const incident = new IncidentPage(page);
    await expect(incident.entries("lockdown")).toContainText("Security gate entered lockdown (critical security incident).");

    await security.goto();
    const banner = page.getByTestId("gate-banner");
    await expect(banner).toHaveAttribute("data-mode", "lockdown");
    await expect(banner).toContainText(`Critical security incident #${id}: ${title}`);

    // On the record: gate.mode_set by the person who opened the incident, naming the incident.
    const audit = new AuditPage(page);
    await audit.goto({ action: "gate.mode_set", limit: "20" });
    await expect(audit.rows.filter({ hasText: `"subjectId":${id}` }).first()).toContainText('"autoLockdown":true');
  } finally {
    // Leave the gate as the demo expects it, whatever happened above.
    await security.setGate("monitor");
    await expect(page.getByTestId("gate-banner")).toHaveAttribute("data-mode", "monitor");
  }
});
