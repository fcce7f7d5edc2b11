import "server-only";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Db } from "@/db/connection";
import { findServiceByName, listEnvironments } from "@/db/queries/catalog";
import { liveRolloutFor, serviceEnvState } from "@/db/queries/rollouts";
import { writeTransaction } from "@/db/transaction";
import { deployTargetSchema, localRouterPort } from "@/lib/domain/deploy-target";
import { processAlive } from "@/lib/drivers/process";
import { strategySchema } from "@/lib/domain/rollout/strategy";
import { createRollout } from "@/lib/services/rollouts/create-rollout";

const DEMO_SERVICE = "sample-api";
const DEMO_VERSION = "1.0.0";
const DEMO_RPS = "20";


/**
 * Demo mode (REQUIREMENTS H1): the sample service runs 1.0.0 in every environment and a traffic
 * generator sends it requests, so a new user can start a real canary at once. Idempotent: a
 * restarted worker adopts the running generators and never deploys twice.
 */
export function bootstrapDemo(db: Db, dataDir: string, now = Date.now()): void {
  const service = findServiceByName(db, DEMO_SERVICE);
  if (!service) return;
  const parsed = deployTargetSchema.safeParse(JSON.parse(service.deployTarget));
  if (!parsed.success || parsed.data.driver !== "local") return;
  const target = parsed.data;
  const environments = listEnvironments(db);
  for (const env of environments) {
    writeTransaction(db, (tx) => {
      if (serviceEnvState(tx, service.id, env.id)?.currentVersion || liveRolloutFor(tx, service.id, env.id)) return;
      const strategy = strategySchema.parse({ kind: "canary", steps: [{ weight: 100, holdSeconds: 0 }] });
      createRollout(
        tx,
        { actor: { kind: "system", label: "system" }, serviceId: service.id, environment: env, fromVersion: null, toVersion: DEMO_VERSION, strategy, idempotencyKey: `demo-bootstrap:${service.id}:${env.id}`, details: { demo: true } },
        now,
      );
    });
    const routerPort = localRouterPort(target.routerPort, env.id);
    const dir = path.join(dataDir, "local-driver", `${service.name}-${env.name}`);
    mkdirSync(dir, { recursive: true });
    const pidFile = path.join(dir, "traffic.pid");
    if (existsSync(pidFile) && processAlive(Number(readFileSync(pidFile, "utf8")))) continue;
    const log = openSync(path.join(dir, "traffic.log"), "a");
    const child = spawn(process.execPath, [path.resolve(process.cwd(), "lib/drivers/local/traffic.mjs")], {
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...process.env, TRAFFIC_URL: `http://127.0.0.1:${routerPort}/api/demo`, TRAFFIC_RPS: DEMO_RPS },
    });
    child.unref();
    writeFileSync(pidFile, String(child.pid));
  }
}
