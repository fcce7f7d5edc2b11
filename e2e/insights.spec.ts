import { readFileSync } from "node:fs";
import { expect, test } from "./fixtures";
import { Dashboard } from "./pages/dashboard";

// Insights (issue 14, item 4) as a viewer would use it: the four keys with their definitions over
// the demo's own deployments, the trend charts, the CSV exports, and a filter that finds nothing
// or is wrong. Other specs deploy meanwhile, so counts are read, never assumed.
test("a viewer reads the four keys and their definitions, exports the trend, and gets plain answers for empty or wrong ranges", async ({ asUser }) => {
  const page = await asUser("viewer");
  await page.goto("/");
  await new Dashboard(page).navLink("Insights").click();
  await expect(page.getByRole("heading", { level: 1, name: "Insights" })).toBeVisible();

  // Every environment: the demo deployed sample-api 1.0.0 to staging and production at start.
  const filter = page.getByRole("form", { name: "Insights filter" });
  await filter.getByLabel("Environment").selectOption({ label: "All environments" });
  await filter.getByRole("button", { name: "Show" }).click();
  await expect(page).toHaveURL(/environment=all/);

  const frequency = page.getByTestId("key-deployment_frequency");
  await expect(frequency.getByTestId("key-value")).toHaveText(/^\d+(\.\d+)? \/ day$/);
  await expect(frequency).toContainText(/[1-9]\d* deployments? in the range/);
  for (const key of ["lead_time", "change_failure_rate", "time_to_restore"]) await expect(page.getByTestId(`key-${key}`).getByTestId("key-value")).not.toBeEmpty();
  const leadTime = page.getByTestId("key-lead_time");
  await leadTime.getByText("Definition").click();
  await expect(leadTime).toContainText("From the change to its deployment");
  await expect(page.getByTestId("trend-deployments")).toBeVisible();
  await expect(page.getByTestId("trend-deployments").locator(".recharts-bar-rectangle").first()).toBeVisible();

  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export the trend (CSV)" }).click();
  const file = await (await download).path();
  const csv = readFileSync(file, "utf8").trim().split("\n");
  expect(csv[0]).toBe("bucket_start,deployments,deployments_per_day,lead_time_median_h,lead_time_p90_h,change_failure_rate,failed,finished,time_to_restore_median_min,restorations");
  expect(csv.slice(1).reduce((sum, line) => sum + Number(line.split(",")[1]), 0)).toBeGreaterThan(0);

  // A range before Flightdeck ran: nothing to show, said so.
  await filter.getByLabel("From").fill("2020-01-01");
  await filter.getByLabel("To").fill("2020-01-31");
  await filter.getByRole("button", { name: "Show" }).click();
  await expect(page.getByText("Nothing was deployed, restored or released from 2020-01-01 to 2020-01-31 with this filter.")).toBeVisible();

  // A reversed range: the reason, no figures.
  await filter.getByLabel("From").fill("2020-02-10");
  await filter.getByLabel("To").fill("2020-02-01");
  await filter.getByRole("button", { name: "Show" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "From must be on or before To." })).toBeVisible();
  await expect(page.getByTestId("key-deployment_frequency")).toHaveCount(0);
});
