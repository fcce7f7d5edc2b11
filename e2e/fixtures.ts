import { type BrowserContext, type Page, test as base } from "@playwright/test";
import { type AccountKey, account, storageStatePath } from "./support/accounts";

export interface Fixtures {
  /** A page signed in as one of the role accounts (saved sign-in), each in its own browser context. */
  asUser: (key: AccountKey) => Promise<Page>;
  /** A page in a fresh context with no cookies (for signing in through the form). */
  anonymousPage: () => Promise<Page>;
}

export const test = base.extend<Fixtures>({
  asUser: async ({ browser }, provide) => {
    const contexts: BrowserContext[] = [];
    await provide(async (key) => {
      const context = await browser.newContext({ storageState: storageStatePath(account(key).email) });
      contexts.push(context);
      return context.newPage();
    });
    await Promise.all(contexts.map((c) => c.close()));
  },
  anonymousPage: async ({ browser }, provide) => {
    const contexts: BrowserContext[] = [];
    await provide(async () => {
      const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
      contexts.push(context);
      return context.newPage();
    });
    await Promise.all(contexts.map((c) => c.close()));
  },
});

export { expect } from "@playwright/test";
