import { type Locator, type Page } from "@playwright/test";

/** The "Canary analysis" section of /rollouts/<id>: verdict, health, score, charts and decisions. */
export class AnalysisPanel {
  readonly region: Locator;
  readonly verdict: Locator;
  readonly health: Locator;
  readonly score: Locator;
  readonly decisions: Locator;
  readonly exportLink: Locator;
  /** The note of where the request charts come from; its data-source is "router" or "prometheus". */
  readonly seriesSource: Locator;

  constructor(readonly page: Page) {
    this.region = page.getByRole("region", { name: "Canary analysis" });
    this.verdict = page.getByTestId("analysis-verdict");
    this.health = page.getByTestId("analysis-health");
    this.score = page.getByTestId("canary-score");
    this.decisions = page.getByRole("region", { name: "Analysis decisions" }).getByTestId("decision-sentence");
    this.seriesSource = page.getByTestId("series-source");
    this.exportLink = page.getByRole("region", { name: "Analysis decisions" }).getByRole("link", { name: "Export JSON" });
  }

  /** A chart by its accessible name ("5xx rate chart", "p95 latency chart", ...). */
  chart(title: string): Locator {
    return this.region.getByRole("figure", { name: `${title} chart` });
  }

  window(label: "15 min" | "1 h" | "All"): Locator {
    return this.region.getByRole("group", { name: "Chart window" }).getByRole("button", { name: label, exact: true });
  }

  /** A numeric data attribute of a chart (data-peak-canary, data-points, ...); NaN when empty. */
  async number(chart: Locator, attribute: string): Promise<number> {
    const v = await chart.getAttribute(attribute);
    return v === null || v === "" ? NaN : Number(v);
  }
}
