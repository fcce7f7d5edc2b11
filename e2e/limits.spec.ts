import { type Locator, type Page } from "@playwright/test";
import { expect, test } from "./fixtures";

// Issue 10 item 6: input over its limits is a field error, never an error page, and the form
// keeps everything typed. Nothing here creates a release (every submit is refused).
const TEN_MB = 10 * 1024 * 1024;

async function openNewRelease(page: Page): Promise<Locator> {
  await page.goto("/releases/new");
  const form = page.getByRole("form", { name: "New release" });
  await form.getByLabel("Service", { exact: true }).selectOption({ label: "sample-api" });
  await form.getByLabel("Version", { exact: true }).fill("7.7.7-limits");
  await form.getByLabel("Commit", { exact: true }).fill("abcdef1234");
  await form.getByLabel("Rollback plan").fill("Redeploy the previous version; nothing to undo.");
  return form;
}

/** No error boundary, no Next error page, still the form's page. */
async function expectNoErrorPage(page: Page): Promise<void> {
  await expect(page).toHaveURL(/\/releases\/new$/);
  await expect(page.getByText(/Application error|Internal Server Error|This page couldn.t load/i)).toHaveCount(0);
  await expect(page.getByRole("form", { name: "New release" })).toBeVisible();
}

async function expectFieldsKept(form: Locator, changeLogLength: number): Promise<void> {
  await expect(form.getByLabel("Version", { exact: true })).toHaveValue("7.7.7-limits");
  await expect(form.getByLabel("Commit", { exact: true })).toHaveValue("abcdef1234");
  await expect(form.getByLabel("Rollback plan")).toHaveValue("Redeploy the previous version; nothing to undo.");
  expect(await form.getByLabel("Change-log entry").evaluate((el) => (el as HTMLTextAreaElement).value.length)).toBe(changeLogLength);
}

test("a 10 MB change log pasted into the new-release form: a field error, every field kept, no error page", async ({ asUser }) => {
  const page = await asUser("captain");
  const form = await openNewRelease(page);
  const changeLog = form.getByLabel("Change-log entry");
  // Pasted: the whole text lands in the field at once (as a paste does), then React sees the input.
  await changeLog.evaluate((el, n) => {
    const area = el as HTMLTextAreaElement;
    area.focus();
    area.value = "Pasted release notes. ".repeat(Math.ceil(n / 22)).slice(0, n);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }, TEN_MB);
  const sent: string[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST" && r.headers()["next-action"]) sent.push(r.url());
  });

  await form.getByRole("button", { name: "Create release" }).click();

  await expect(form.getByRole("alert")).toHaveText("Please correct the highlighted fields.");
  await expect(changeLog).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByText("At most 10,000 characters (this has 10,485,760).")).toBeVisible();
  await expectNoErrorPage(page);
  await expectFieldsKept(form, TEN_MB);
  // Refused in the browser: the 10 MB never went over the wire (Next would refuse it with a 500).
  expect(sent).toEqual([]);

  // Shortened, it is the server's turn: its refusal (a bad commit) also keeps every field.
  await changeLog.fill("Adds retries to checkout.");
  await form.getByLabel("Commit", { exact: true }).fill("not-hex!");
  await form.getByRole("button", { name: "Create release" }).click();
  await expect(form.getByText("A commit is 7 to 40 hexadecimal characters.")).toBeVisible();
  await expectNoErrorPage(page);
  await expect(form.getByLabel("Version", { exact: true })).toHaveValue("7.7.7-limits");
  await expect(changeLog).toHaveValue("Adds retries to checkout.");
  await expect(form.getByLabel("Commit", { exact: true })).toHaveValue("not-hex!");
});

test("when the server cannot answer a submit at all, the form says so and keeps its content (no error page)", async ({ asUser }) => {
  const page = await asUser("captain");
  const form = await openNewRelease(page);
  await form.getByLabel("Change-log entry").fill("Adds retries to checkout.");
  // What Next answers to a body over its limit: a 500 before the action runs.
  await page.route("**/releases/new", async (route) => {
    if (route.request().method() === "POST" && route.request().headers()["next-action"]) {
      await route.fulfill({ status: 500, contentType: "text/plain", body: "Body exceeded 1 MB limit." });
    } else {
      await route.continue();
    }
  });

  await form.getByRole("button", { name: "Create release" }).click();

  await expect(form.getByRole("alert")).toContainText("Nothing was saved; your entries are still here.");
  await expectNoErrorPage(page);
  await expectFieldsKept(form, "Adds retries to checkout.".length);
});
