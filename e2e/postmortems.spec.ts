import { readFile } from "node:fs/promises";
import { expect, test } from "./fixtures";
import { uniqueSuffix } from "./support/accounts";

// Postmortems (L3, issue 12 item 3) in the browser: on-call opens an incident by hand and resolves
// it, fills the postmortem (prefilled from the incident), adds an action item (refused without an
// owner, then with owner and due date), publishes, and exports the Markdown.

test("on-call fills the postmortem, adds an action item (refused without an owner), publishes and exports it as Markdown", async ({ asUser }) => {
  test.setTimeout(90_000);
  const page = await asUser("oncall");
  const title = `Checkout errors ${uniqueSuffix()}`;

  await page.goto("/incidents");
  const open = page.getByRole("form", { name: "Open an incident" });
  await open.getByLabel("Title").fill(title);
  await open.getByLabel("Kind").selectOption("outage");
  await open.getByLabel("Severity").selectOption("P2");
  await open.getByLabel("Summary").fill("Checkout returned 500 for some customers.");
  await open.getByRole("button", { name: "Open incident" }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  const incidentId = Number(new URL(page.url()).pathname.split("/").pop());
  await expect(page.getByRole("heading", { name: `#${incidentId} ${title}` })).toBeVisible();
  await page.getByRole("form", { name: "Resolve" }).getByRole("button", { name: "Resolve" }).click();
  await expect(page.getByTestId("incident-status")).toHaveText("resolved");

  await page.getByRole("link", { name: "Write the postmortem" }).click();
  await expect(page).toHaveURL(`/incidents/${incidentId}/postmortem`);
  const form = page.getByRole("form", { name: "Postmortem" });
  // Prefilled from the incident: its title, severity and the manual summary.
  await expect(form.getByLabel(/^Summary/)).toHaveValue(new RegExp(`P2 outage incident "${title}"`));
  await expect(form.getByLabel(/^Summary/)).toHaveValue(/Checkout returned 500 for some customers\./);
  await expect(form.getByLabel(/^Detection/)).toHaveValue(/P2 outage incident opened by /);

  // Publishing without root causes is refused on that field; nothing is published.
  await form.getByRole("button", { name: "Publish" }).click();
  await expect(form.getByText("Write the root causes before publishing.")).toBeVisible();
  await expect(form.getByLabel(/^Root causes/)).toHaveAttribute("aria-invalid", "true");

  await form.getByLabel(/^Impact/).fill("About 4% of checkouts failed for 12 minutes.");
  await form.getByLabel(/^Root causes/).fill("A connection pool sized for the old instance count.");
  await form.getByLabel(/^What went well/).fill("The rollback took two minutes.");
  await form.getByRole("button", { name: "Save draft" }).click();
  await expect(form.getByText("Draft saved.")).toBeVisible();

  const add = page.getByRole("form", { name: "Add an action item" });
  await add.getByLabel("What needs doing").fill("Alert on connection pool saturation");
  await add.getByLabel("Type").selectOption("detect");
  await add.getByLabel("Due date (UTC)").fill("2099-01-31");
  await add.getByRole("button", { name: "Add action item" }).click();
  await expect(add.getByText("Every action item needs an owner: choose one.")).toBeVisible();
  await expect(add.getByLabel("Owner")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("table", { name: "Action items" })).toHaveCount(0);

  await add.getByLabel("Owner").selectOption({ label: "Omar On-call (oncall@flightdeck.local)" });
  await add.getByRole("button", { name: "Add action item" }).click();
  const items = page.getByRole("table", { name: "Action items" });
  await expect(items.getByRole("row").filter({ hasText: "Alert on connection pool saturation" })).toContainText("2099-01-31");

  await form.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByRole("heading", { name: "Postmortem (published)" })).toBeVisible();
  await expect(page.getByRole("form", { name: "Postmortem" })).toHaveCount(0);

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export Markdown" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`postmortem-incident-${incidentId}.md`);
  const markdown = await readFile(await file.path(), "utf8");
  expect(markdown).toContain(`# Postmortem: incident #${incidentId} ${title}`);
  for (const heading of ["## Summary", "## Impact", "## Root causes", "## Trigger", "## Resolution", "## Detection", "## Action items", "## Lessons learned", "### What went well", "## Timeline"]) {
    expect(markdown).toContain(`\n${heading}\n`);
  }
  expect(markdown).toContain("- Status: published");
  expect(markdown).toContain("A connection pool sized for the old instance count.");
  expect(markdown).toMatch(/\| Alert on connection pool saturation \| Detect \| Omar On-call \| 2099-01-31 \| open \|/);
  expect(markdown).toMatch(/\| \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \| Postmortem \| Postmortem published by Omar On-call\. \|/);

  // Action items stay tracked after publishing.
  const row = items.getByRole("row").filter({ hasText: "Alert on connection pool saturation" });
  await row.getByRole("button", { name: "Mark done" }).click();
  await expect(row).toContainText(/done \d{4}-\d{2}-\d{2}/);
  await expect(row.getByRole("button", { name: "Mark done" })).toHaveCount(0);
});
