import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UPSERT_SAMPLE_SQL, sparseOf } from "@/lib/drivers/local/latency-hist.mjs";
import { closeCurrentDb, makeTempDir, useFreshDb as freshDb } from "@/tests/support/db";
import { seededRandom } from "@/scripts/sim/rng";

// The replay builds each snapshot as the built-in provider would (issue 9 part 5, I7): on a real
// SQLite file, the provider's SQL readings and the replay's running sums over the same rows give
// the same snapshot, evaluation after evaluation, across steps, gaps and legacy rows.
const { dir, cleanup } = makeTempDir("fd-replay-snap-");
const { db, sqlite } = freshDb(dir);
const { seedDemo } = await import("@/db/seed");
const { findEnvironmentByName, findServiceByName } = await import("@/db/queries/catalog");
const { resourceRows, sampleRows } = await import("@/db/queries/analysis");
const { createBuiltinProvider } = await import("@/lib/metrics/builtin");
const { SampleReader } = await import("@/lib/domain/analysis/snapshot");

const T0 = Math.floor(Date.now() / 1000) * 1000 - 3600_000;
const S0 = T0 / 1000;
let serviceId = 0;
let environmentId = 0;


beforeAll(async () => {
  await seedDemo(db);
  serviceId = findServiceByName(db, "sample-api")!.id;
  environmentId = findEnvironmentByName(db, "staging")!.id;
  const upsert = sqlite.prepare(UPSERT_SAMPLE_SQL);
  const resource = sqlite.prepare("INSERT INTO resource_samples (service_id, environment_id, second, variant, version, cpu_pct, rss_bytes, memory_pct) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  const r = seededRandom(7);
  sqlite.transaction(() => {
    for (let s = S0 - 30; s < S0 + 120; s++) {
      if (s >= S0 + 40 && s < S0 + 55) continue; // a gap longer than the window
      for (const [variant, version, n] of [["baseline", "1.0.0", 20], ["canary", s % 17 === 0 ? "0.9.0-other" : "1.1.0", 3]] as const) {
        const lat = Array.from({ length: Math.floor(n * (0.5 + r())) }, () => 3 + 10 * r() + (r() < 0.05 ? 800 : 0)).sort((a, b) => a - b);
        const at = (q: number) => lat[Math.min(lat.length - 1, Math.ceil(q * lat.length) - 1)] ?? 0;
        const errors = lat.filter(() => r() < (variant === "canary" ? 0.2 : 0.01)).length;
        // Baseline rows of the first seconds predate histograms.
        const hist = variant === "baseline" && s < S0 + 10 ? null : JSON.stringify(sparseOf(lat));
        upsert.run(serviceId, environmentId, s, variant, version, lat.length, errors, at(0.5), at(0.95), at(0.99), lat.reduce((x, v) => x + v, 0) / Math.max(1, lat.length), hist);
        if (s % 2 === 0) resource.run(serviceId, environmentId, s, variant, version, 100 * r(), 1e8, 50 * r());
      }
    }
  })();
});
afterAll(() => {
  closeCurrentDb();
  cleanup();
});

describe("the replay's snapshots", () => {
  it.each([10, 60])("equal the built-in provider's over the same rows (window %d s)", async (windowSeconds) => {
    const provider = createBuiltinProvider(db);
    const range = { serviceId, environmentId, fromSecond: S0 - 100, toSecond: S0 + 200 };
    const reader = new SampleReader(sampleRows(db, range), resourceRows(db, range), { canary: "1.1.0", baseline: "1.0.0" });
    const target = { serviceId, serviceName: "sample-api", environmentId, environmentName: "staging" };
    let compared = 0;
    // Ticks every 700 ms (off the whole seconds), steps starting at 0, 25.3 s and 70.9 s.
    for (let at = T0; at <= T0 + 130_000; at += 700) {
      const stepStartedAt = at < T0 + 25_300 ? T0 : at < T0 + 70_900 ? T0 + 25_300 : T0 + 70_900;
      const expected = await provider.snapshot({ target, canaryVersion: "1.1.0", baselineVersion: "1.0.0", windowSeconds, at, stepStartedAt });
      const actual = reader.snapshot(at, windowSeconds, stepStartedAt);
      // The provider's SQL sums floats in its own order: window percentiles of legacy rows may differ in the last bits.
      expect(actual).toEqual({ ...expected, canary: close(expected.canary, actual.canary), baseline: close(expected.baseline, actual.baseline) });
      compared++;
    }
    expect(compared).toBeGreaterThan(180);
  });
});

/** `expected` with each number replaced by `actual`'s when they agree to 1e-9 (relative). */
function close<T>(expected: T, actual: T): T {
  if (!expected || !actual) return expected;
  const out = { ...expected } as Record<string, unknown>;
  for (const [k, v] of Object.entries(expected)) {
    const a = (actual as Record<string, unknown>)[k];
    if (typeof v === "number" && typeof a === "number" && Math.abs(v - a) <= 1e-9 * Math.max(1, Math.abs(v))) out[k] = a;
  }
  return out as T;
}
