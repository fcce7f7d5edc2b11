import { expect, test } from "./fixtures";
import { AuditPage } from "./pages/audit-page";
import { IncidentPage, IncidentsPage, utcMinute } from "./pages/incidents-page";
import { uniqueSuffix } from "./support/accounts";
import { actionResultOf, invokeServerAction, serverActionId } from "./support/server-actions";

// Incidents (L1, J2) in the browser against the real worker, whose `incident.sla` job checks the
// SLA clocks every 5 s. No test waits for a clock to run out: a manual incident may say when the
// impact was detected, so a P1 detected 20 minutes ago is past its 5-minute acknowledge clock
// the moment it is opened. Each test makes its own incidents (unique titles); neither touches the
// security gate (a critical security incident's lockdown: incidents-lockdown.spec.ts, run alone).

const MIN = 60_000;

test("on-call opens a P2 outage and acknowledges it at once: the acknowledge clock is met, nothing breaches; the overview lists it with its timers (J2)", async ({ asUser }) => {
  const page = await asUser("oncall");
  const incidents = new IncidentsPage(page);
  const title = `E2E checkout slow ${uniqueSuffix()}`;
  const id = await incidents.open({ title, kind: "outage", severity: "P2", summary: "p95 above 600 ms for EU customers" });

  const incident = new IncidentPage(page);
  await expect(incident.status).toHaveText("open");
  // P2: 15 minutes to acknowledge, 2 hours to mitigate, counting down.
  await expect(incident.clock("acknowledge")).toHaveAttribute("data-state", "running");
  await expect(incident.clock("acknowledge")).toHaveText(/^acknowledge: \d+ min left$/i);
  await expect(incident.clock("mitigate")).toHaveAttribute("data-state", "running");
  await expect(incident.entries("opened")).toContainText("P2 outage incident opened by");

  // J2: the overview lists the open incident with its live timers.
  const overview = await asUser("viewer");
  await overview.goto("/");
  const onOverview = overview.getByRole("region", { name: "Open incidents" }).locator(`tr[data-incident="${id}"]`);
  await expect(onOverview).toContainText(title);
  await expect(onOverview).toContainText("P2");
  await expect(new IncidentPage(overview).clock("acknowledge", onOverview)).toHaveAttribute("data-state", "running");
  await expect(new IncidentPage(overview).clock("mitigate", onOverview)).toHaveAttribute("data-state", "running");

  await incident.acknowledgeButton().click();
  await expect(incident.status).toHaveText("acknowledged");
  await expect(incident.page.getByTestId("confirmation")).toContainText("Incident acknowledged.");
  await expect(incident.clock("acknowledge")).toHaveAttribute("data-state", "met");
  await expect(incident.clock("acknowledge")).toHaveText(/^acknowledge: met$/i);
  await expect(incident.clock("mitigate")).toHaveAttribute("data-state", "running");
  await expect(incident.entries("acknowledged")).toContainText("Acknowledged by");
  await expect(incident.acknowledgeButton()).toHaveCount(0);

  // Met in time: no breach on the page, in the list, or in the audit trail.
  const audit = new AuditPage(await asUser("oncall"));
  await audit.goto({ action: "incident.acknowledge", subjectType: "incident", subjectId: String(id) });
  await expect(audit.rows).toHaveCount(1);
  await incidents.goto();
  await expect(incidents.row(id)).toContainText("acknowledged");
  await expect(incident.clock("acknowledge", incidents.row(id))).toHaveAttribute("data-state", "met");
  await incident.goto(id);
  await expect(incident.entries("sla_breached")).toHaveCount(0);
  await audit.goto({ action: "incident.sla_breached", subjectType: "incident", subjectId: String(id) });
  await expect(audit.rows).toHaveCount(0);
});

test("a P1 detected 20 minutes ago breaches its acknowledge clock visibly and on the record; a detection time in the future is refused; an acknowledgement without the role is refused with the reason", async ({ asUser, baseURL }) => {
  const page = await asUser("captain");
  const incidents = new IncidentsPage(page);
  const title = `E2E payments down ${uniqueSuffix()}`;

  // Bad input: a detection time in the future is refused on its field, nothing is opened.
  await incidents.goto();
  await incidents.submit({ title, kind: "outage", severity: "P1", detectedAt: utcMinute(Date.now() + 60 * MIN) });
  await expect(incidents.form.getByRole("alert")).toHaveAttribute("data-code", "INVALID");
  await expect(incidents.form.getByText("Detected at cannot be in the future.")).toBeVisible();
  await expect(incidents.form.getByLabel("Detected at (UTC, optional)")).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/incidents$/);
  await expect(page.locator("tr[data-incident]").filter({ hasText: title })).toHaveCount(0);

  // Detected 20 minutes ago (the page came minutes after the alert): P1 acknowledge was due 15 minutes ago.
  const detectedAt = utcMinute(Date.now() - 20 * MIN);
  await incidents.submit({ title, kind: "outage", severity: "P1", detectedAt });
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  const id = Number(new URL(page.url()).pathname.split("/").pop());
  const incident = new IncidentPage(page);
  await expect(page.getByTestId("incident-detected")).toHaveText(`${detectedAt.replace("T", " ")}:00Z`);
  await expect(incident.entries("opened")).toContainText(`(impact detected ${detectedAt}:00.000Z)`);
  await expect(incident.clock("acknowledge")).toHaveAttribute("data-state", "breached");
  await expect(incident.clock("acknowledge")).toHaveText(/^acknowledge: BREACHED \d+ min ago$/i);
  // Mitigate is due 30 minutes after detection: still running.
  await expect(incident.clock("mitigate")).toHaveAttribute("data-state", "running");

  // The worker's SLA job (every 5 s) records the breach once: its timeline entry appears.
  await expect(async () => {
    await incident.goto(id);
    await expect(incident.entries("sla_breached")).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(incident.entries("sla_breached")).toContainText("P1 acknowledge SLA breached");
  await expect(incident.entries("sla_breached")).toContainText("(worker)");

  // The incidents list marks it too.
  await incidents.goto();
  await expect(incidents.row(id)).toContainText(title);
  await expect(incident.clock("acknowledge", incidents.row(id))).toHaveAttribute("data-state", "breached");
  await expect(incident.clock("acknowledge", incidents.row(id))).toContainText("BREACHED");

  // The audit trail lists incident.sla_breached for it, by the worker, exactly once.
  const audit = new AuditPage(page);
  await audit.goto({ action: "incident.sla_breached", subjectType: "incident", subjectId: String(id) });
  await expect(audit.rows).toHaveCount(1);
  await expect(audit.rows.first()).toContainText("worker");
  await expect(audit.rows.first()).toContainText('"clock":"acknowledge"');

  // Bad input: someone without the role. The viewer gets no Acknowledge button, and calling the
  // server action anyway (the browser's own wire format) is refused with the reason.
  const viewer = await asUser("viewer");
  const viewed = new IncidentPage(viewer);
  await viewed.goto(id);
  await expect(viewed.clock("acknowledge")).toHaveAttribute("data-state", "breached");
  await expect(viewed.acknowledgeButton()).toHaveCount(0);
  const res = await invokeServerAction(viewer.request, {
    page: `/incidents/${id}`,
    actionId: serverActionId("app/(dashboard)/incidents/actions.ts", "acknowledgeIncidentAction"),
    origin: baseURL!,
    fields: { incidentId: String(id) },
    encoding: "multipart",
  });
  expect(res.status()).toBe(200);
  expect(actionResultOf(await res.text())).toMatchObject({ ok: false, code: "FORBIDDEN", message: "You do not have permission to do this (incident.acknowledge)." });
  await viewed.goto(id);
  await expect(viewed.status).toHaveText("open");
  await expect(viewed.entries("acknowledged")).toHaveCount(0);

  // The on-call acknowledges now: late, and the page says so.
  const oncall = new IncidentPage(await asUser("oncall"));
  await oncall.goto(id);
  await oncall.acknowledgeButton().click();
  await expect(oncall.status).toHaveText("acknowledged");
  await expect(oncall.clock("acknowledge")).toHaveAttribute("data-state", "met_late");
  await expect(oncall.entries("sla_breached")).toHaveCount(1);
});
