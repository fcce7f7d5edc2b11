import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type Database from "better-sqlite3";
import type { Db } from "@/db/connection";
import { findServiceByName } from "@/db/queries/catalog";
import { updateAnalysisConfigInput } from "@/lib/domain/analysis/config";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { readAnalysisConfig } from "@/lib/services/analysis/read-analysis-config";
import { updateAnalysisConfig } from "@/lib/services/analysis/update-analysis-config";
import { actorFor, auditEvents, buildSeededTemplate, closeCurrentDb, expectRefusedWithoutWrites, lastAuditId, makeTempDir, useFreshDb } from "../support/db";

const tmp = makeTempDir();
let template = "";
let db: Db;
let sqlite: Database.Database;
let sampleId = 0;

beforeAll(async () => {
  template = await buildSeededTemplate(tmp.dir);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  ({ db, sqlite } = useFreshDb(tmp.dir, template));
  sampleId = findServiceByName(db, "sample-api")!.id;
});
afterEach(() => closeCurrentDb());

const input = (config: unknown, rowVersion = 1) => updateAnalysisConfigInput.safeParse({ serviceId: String(sampleId), rowVersion: String(rowVersion), config: typeof config === "string" ? config : JSON.stringify(config) });

describe("analysis config of a service", () => {
  it("the demo seed gives sample-api scaled-down runbook rules", () => {
    const { config, stored } = readAnalysisConfig(db, sampleId);
    expect(stored).toBe(true);
    expect(config).toMatchObject({ timeScale: 0.02, windowSeconds: 10, sequential: { alpha: 0.01, requireSafety: false } });
    expect(config.rules).toHaveLength(8);
  });

  it("an admin saves a validated config; the change is audited with before and after", () => {
    const before = lastAuditId(sqlite);
    const parsed = input({ provider: { kind: "prometheus", url: "http://127.0.0.1:9090" }, rules: [{ metric: "p95_ms", threshold: 800, forSeconds: 120, action: "hold" }] });
    expect(parsed.success).toBe(true);
    const r = updateAnalysisConfig(actorFor(db, "admin@flightdeck.local"), parsed.data!);
    expect(r).toEqual({ serviceId: sampleId, rowVersion: 2 });
    expect(readAnalysisConfig(db, sampleId).config).toMatchObject({ provider: { kind: "prometheus", url: "http://127.0.0.1:9090" }, rules: [{ metric: "p95_ms", threshold: 800, action: "hold" }] });
    const [event] = auditEvents(sqlite, before);
    expect(event).toMatchObject({ action: "analysis.config_update", actorLabel: "admin@flightdeck.local", subjectType: "service", subjectId: String(sampleId) });
    expect(event!.details).toMatchObject({ before: { timeScale: 0.02 }, after: { rules: [{ threshold: 800 }] } });
  });

  it.each([
    [{ rules: [{ metric: "latency_p95", threshold: 1, forSeconds: 1, action: "hold" }] }, /^Rule 1, metric: Unknown metric "latency_p95"/],
    [{ rules: [{ metric: "cpu_pct", threshold: 120, forSeconds: 1, action: "hold" }] }, /^Rule 1, threshold: Threshold for cpu_pct must be between 0 and 100\.$/],
    [{ rules: [{ metric: "p95_ms", threshold: 600, forSeconds: 0, action: "hold" }] }, /^Rule 1, for seconds: Duration must be above 0 s\.$/],
    ["{not json", /^Analysis config must be valid JSON\.$/],
  ])("bad config %j is refused with a clear message", (config, message) => {
    const parsed = input(config);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]).toMatchObject({ path: ["config"] });
    expect(parsed.error!.issues[0]!.message).toMatch(message);
  });

  it("a stale form is a conflict; other roles are refused; both write nothing", async () => {
    const parsed = input({}, 7).data!;
    await expectRefusedWithoutWrites(sqlite, () => updateAnalysisConfig(actorFor(db, "admin@flightdeck.local"), parsed), ConflictError);
    for (const email of ["captain@flightdeck.local", "oncall@flightdeck.local", "viewer@flightdeck.local"]) {
      await expectRefusedWithoutWrites(sqlite, () => updateAnalysisConfig(actorFor(db, email), input({}).data!), ForbiddenError);
    }
  });
});
