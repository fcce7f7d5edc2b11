import { type Locator, type Page } from "@playwright/test";

/** The dashboard shell: main navigation and the signed-in person in the header. */
export class Dashboard {
  readonly nav: Locator;
  readonly currentUser: Locator;
  readonly roles: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole("navigation", { name: "Main" });
    this.currentUser = page.getByTestId("current-user");
    this.roles = this.currentUser.getByLabel("Your roles");
  }

  navLink(name: string): Locator {
    return this.nav.getByRole("link", { name, exact: true });
  }

  /** The "Forbidden" panel pages show when the roles do not allow them. */
  forbidden(): Locator {
    return this.page.getByRole("heading", { name: "Forbidden", exact: true });
  }
}
