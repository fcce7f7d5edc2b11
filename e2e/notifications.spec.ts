import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./fixtures";
import { uniqueSuffix } from "./support/accounts";

// Chat notifications (L2) in the browser: the release captain's settings page against the real
// worker, which delivers to a webhook receiver this test runs on 127.0.0.1.

test("a template edit with an unknown variable is refused with what the event offers; the template is unchanged", async ({ asUser }) => {
  const page = await asUser("captain");
  await page.goto("/settings/notifications");
  const form = page.getByRole("form", { name: "Template: Rolled back" });
  const body = form.getByRole("textbox");
  await expect(body).toHaveValue(/^🚨 ROLLBACK INITIATED: \{\{reason\}\}/);
  await body.fill("Rolled back {{service}} because {{cause}}");
  await form.getByRole("button", { name: "Save template" }).click();
  await expect(form.getByRole("alert")).toHaveAttribute("data-code", "INVALID");
  await expect(form.getByText(/^Unknown variable \{\{cause\}\}: a "rolled_back" message can use \{\{service\}\}, /)).toBeVisible();
  await expect(body).toHaveAttribute("aria-invalid", "true");
  await expect(body).toHaveValue("Rolled back {{service}} because {{cause}}");
  await page.reload();
  await expect(page.getByRole("form", { name: "Template: Rolled back" }).getByRole("textbox")).toHaveValue(/^🚨 ROLLBACK INITIATED: \{\{reason\}\}/);
});

test("a channel: a non-http(s) URL is refused, the URL is shown masked, Send test reaches the webhook and is logged", async ({ asUser }) => {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => (text += c.toString()));
    req.on("end", () => {
      received.push(text);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    const page = await asUser("captain");
    await page.goto("/settings/notifications");
    const add = page.getByRole("form", { name: "Add channel" });
    const name = `#e2e-${uniqueSuffix()}`;
    await add.getByLabel("Name").fill(name);
    await add.getByLabel("Webhook URL").fill("ftp://hooks.example/x");
    await add.getByRole("button", { name: "Add channel" }).click();
    await expect(add.getByText("Use an http:// or https:// URL: other schemes cannot receive webhooks.")).toBeVisible();

    await add.getByLabel("Webhook URL").fill(`http://127.0.0.1:${port}/services/T0/B0/e2eSecretToken`);
    await add.getByRole("button", { name: "Add channel" }).click();
    const card = page.getByRole("region", { name });
    await expect(card).toContainText(`http://127.0.0.1:${port}/…oken`);
    await expect(page.locator("body")).not.toContainText("e2eSecretToken");

    await card.getByRole("button", { name: "Send test" }).click();
    await expect(card.getByText("Queued: see the delivery log below.")).toBeVisible();
    await expect.poll(() => received.length, { timeout: 20_000 }).toBe(1);
    expect((JSON.parse(received[0]!) as { text: string }).text).toContain(`Flightdeck test message for "${name}"`);
    const row = page.getByRole("table", { name: "Delivery log" }).getByRole("row").filter({ hasText: name });
    await expect(row).toContainText("delivered", { timeout: 20_000 });
    await row.getByText("Delivery log (1)").click();
    await expect(row.getByRole("listitem")).toContainText(["HTTP 200"]);
  } finally {
    server.close();
  }
});
