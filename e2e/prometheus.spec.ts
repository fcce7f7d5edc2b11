import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "./fixtures";
import { AnalysisPanel } from "./pages/analysis-panel";
import { EnvironmentsPage } from "./pages/environments-page";
import { RolloutPage, RolloutsPage, canary } from "./pages/rollouts-page";
import { ServiceAnalysisPage } from "./pages/service-analysis-page";
import { ServicesPage } from "./pages/services-page";
import { driveTraffic } from "./support/traffic";

// A Prometheus-only service shows charts (issue 9): a service of its own, created through the
// admin UI with the local driver's sample service, measured by a real Prometheus (Debian's, started
// here on 127.0.0.1, scraping its version slots every second). The router records its own rows
// too, so the panel's series source ("prometheus", not the router fallback) is what proves it.

test.setTimeout(180_000);

const PROMETHEUS = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
// Port block of this spec: 14000-15999 (no other test, bench or e2e router uses it). The service's
// router lands on `routerPort` whatever its environment's id; +1 control, +10/+11 version slots,
// +50 Prometheus.
const BLOCK = { from: 14_000, blocks: 10, size: 200 };

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

async function pickRouterPort(): Promise<number> {
  const start = Math.floor(Math.random() * BLOCK.blocks);
  for (let i = 0; i < BLOCK.blocks; i++) {
    const port = BLOCK.from + ((start + i) % BLOCK.blocks) * BLOCK.size;
    if ((await Promise.all([0, 1, 10, 11, 50].map((d) => portFree(port + d)))).every(Boolean)) return port;
  }
  throw new Error(`no free port block in ${BLOCK.from}-${BLOCK.from + BLOCK.blocks * BLOCK.size - 1} for the Prometheus spec`);
}

/** One instant PromQL query; null when Prometheus has no sample for it (yet). */
async function promValue(url: string, query: string): Promise<number | null> {
  const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query }).toString()}`);
  const body = (await res.json()) as { status: string; data?: { result: { value: [number, string] }[] } };
  const v = body.status === "success" ? body.data?.result[0]?.value[1] : undefined;
  return v === undefined ? null : Number(v);
}

test.describe.serial("a service measured only by Prometheus", () => {
  const stamp = Date.now().toString(36);
  const env = `prom-e2e-${stamp}`;
  const service = `prom-api-${stamp}`;
  let dir = "";
  let routerPort = 0;
  let promUrl = "";
  let prometheus: ChildProcess | null = null;
  let traffic: ReturnType<typeof driveTraffic> | null = null;


  test.beforeAll(async () => {
    // Never a skip: without Prometheus the journey cannot be shown, and that is a failure.
    if (!existsSync(PROMETHEUS)) throw new Error(`${PROMETHEUS} is missing: apt-get install prometheus (.ci/run does) or set PROMETHEUS_BIN.`);
    routerPort = await pickRouterPort();
    dir = mkdtempSync(path.join(tmpdir(), "fd-e2e-prom-"));
    const promPort = routerPort + 50;
    promUrl = `http://127.0.0.1:${promPort}`;
    const config = path.join(dir, "prometheus.yml");
    writeFileSync(
      config,
      [
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "scrape_configs:",
        "  - job_name: prom-e2e",
        "    static_configs:",
        `      - targets: ['127.0.0.1:${routerPort + 10}', '127.0.0.1:${routerPort + 11}']`,
        "",
      ].join("\n"),
    );
    mkdirSync(path.join(dir, "tsdb"));
    const log = path.join(dir, "prometheus.log");
    prometheus = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`], {
      stdio: ["ignore", "ignore", openSync(log, "a")],
    });
    const ready = async () => {
      try {
        return (await fetch(`${promUrl}/-/ready`)).ok;
      } catch {
        return false;
      }
    };
    try {
      await expect.poll(ready, { timeout: 60_000, message: "Prometheus ready" }).toBe(true);
    } catch (err) {
      // Prometheus' own last words (a port in use, a bad flag) beat "timed out".
      throw new Error(`Prometheus on ${promUrl} never became ready (exit ${prometheus.exitCode ?? "none yet"}): ${readFileSync(log, "utf8").slice(-1500)}`, { cause: err });
    }
  });

  test.afterAll(async () => {
    await traffic?.stop();
    const p = prometheus;
    if (p && p.exitCode === null && p.signalCode === null) {
      const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
      p.kill("SIGTERM");
      const timer = setTimeout(() => p.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("set up: its own environment and service (local driver, sample service), analysis by Prometheus, 1.0.0 deployed, traffic flowing", async ({ asUser }) => {
    const admin = await asUser("admin");
    const environments = new EnvironmentsPage(admin);
    await environments.goto();
    await environments.create({ name: env, description: "Prometheus e2e" });
    const href = await environments.row(env).getByRole("link", { name: env, exact: true }).getAttribute("href");
    const envId = Number(href!.split("/").at(-1));
    // localRouterPort() adds 100 per environment id: this base puts the router on this spec's port.
    const base = routerPort - 100 * (envId - 1);
    expect(base, `environment #${envId} leaves no valid base port below ${routerPort}`).toBeGreaterThanOrEqual(1024);

    const services = new ServicesPage(admin);
    await services.goto();
    await services.fill({ name: service, description: "Measured by Prometheus (e2e)", deployTarget: JSON.stringify({ driver: "local", entry: "sample-service", routerPort: base, healthPath: "/health" }) });
    await services.submit();
    await expect(services.form.getByRole("status")).toHaveText("Saved.");
    await expect(services.serviceRow(service)).toContainText("local");

    // The demo's durations (timeScale 0.02), but every number from this spec's Prometheus.
    const analysis = new ServiceAnalysisPage(admin);
    await analysis.goto(service);
    const config = {
      provider: { kind: "prometheus", url: promUrl, timeoutMs: 2000 },
      timeScale: 0.02,
      windowSeconds: 10,
      gradualDrainSeconds: 300,
      health: { forSeconds: 120, latencyFloorMs: 1000 },
      judge: { minPoints: 5 },
      sequential: { requireSafety: false },
    };
    await analysis.save(config);
    await admin.reload();
    await expect(analysis.config).toHaveValue(new RegExp(`"url": "${promUrl.replace(/[.]/g, "\\.")}/?"`));

    const page = await asUser("captain");
    const rollouts = new RolloutsPage(page);
    await rollouts.goto();
    await rollouts.start({ service, environment: env, version: "1.0.0", strategy: canary([100, 0]) });
    await expect(new RolloutPage(page).status).toHaveText("succeeded", { timeout: 60_000 });
    // The router on this spec's port is the service's own.
    const state = (await (await fetch(`http://127.0.0.1:${routerPort + 1}/state`)).json()) as { stable: { version: string } | null };
    expect(state.stable?.version).toBe("1.0.0");
    traffic = driveTraffic(() => `http://127.0.0.1:${routerPort}/api/e2e-prom`);
    // Prometheus scrapes the stable version's slot and sees its requests.
    await expect
      .poll(() => promValue(promUrl, 'sum(rate(sample_requests_total{version="1.0.0"}[3s]))').catch(() => null), { timeout: 60_000, message: "Prometheus sees 1.0.0's requests" })
      .toBeGreaterThan(0);
  });

  test("a canary's charts come from Prometheus: p95, 5xx and request rate have points, the analysis judges on its numbers, and the canary promotes", async ({ asUser }) => {
    const page = await asUser("captain");
    const rollouts = new RolloutsPage(page);
    await rollouts.goto();
    const id = await rollouts.start({ service, environment: env, version: "1.2.0", strategy: canary([50, 30], [100, 0]) });
    const rollout = new RolloutPage(page);
    const analysis = new AnalysisPanel(page);

    // The charts switch from the router fallback to the rows the analysis read from Prometheus.
    await expect(analysis.seriesSource).toHaveAttribute("data-source", "prometheus", { timeout: 60_000 });
    await expect(analysis.region).toHaveAttribute("data-series-source", "prometheus");
    await expect(analysis.seriesSource).toHaveText(/metrics from Prometheus/);
    await expect(analysis.region).toContainText("prometheus provider");
    for (const title of ["p95 latency", "5xx rate", "Request rate"]) {
      const chart = analysis.chart(title);
      await expect.poll(() => analysis.number(chart, "data-points"), { timeout: 30_000, message: `${title} points` }).toBeGreaterThan(0);
      await expect(chart).not.toContainText("waiting for samples");
    }
    await expect.poll(() => analysis.number(analysis.chart("Request rate"), "data-peak-canary"), { timeout: 30_000 }).toBeGreaterThan(0);
    // The provider is live: a verdict from Prometheus' numbers, a pass for a good canary.
    await expect(analysis.verdict).toHaveText("pass", { timeout: 60_000 });
    await expect(analysis.health).toHaveText("healthy");

    // The metrics route says the same (what the panel polls).
    const view = (await (await page.request.get(`/api/rollouts/${id}/metrics`)).json()) as { seriesSource: string; config: { provider: string }; series: Record<string, { canary: number | null }[]> };
    expect(view).toMatchObject({ seriesSource: "prometheus", config: { provider: "prometheus" } });
    expect(view.series.request_rate!.some((p) => (p.canary ?? 0) > 0)).toBe(true);

    // The hold ends on Prometheus' pass and the canary promotes through every step.
    await expect(rollout.status).toHaveText("succeeded", { timeout: 90_000 });
    for (const t of await rollout.steps.allInnerTexts()) expect(t).toMatch(/^✓ /);
    await expect(analysis.decisions).toHaveCount(0);
    await expect(analysis.seriesSource).toHaveAttribute("data-source", "prometheus");
  });
});
