import type { Db } from "./connection";
import { hasUsers, grantRole, insertUser } from "./queries/users";
import { putServiceAnalysis } from "./queries/analysis";
import { insertEnvironment, insertService, listEnvironments } from "./queries/catalog";
import { insertProbe, readGate, updateGate } from "./queries/governance";
import { writeTransaction } from "./transaction";
import { recordAudit } from "@/lib/audit/record";
import { DEMO_ANALYSIS_INPUT } from "@/lib/domain/analysis/config";
import { DEFAULT_LOCAL_TARGET } from "@/lib/domain/deploy-target";
import type { MigrationCatalog } from "@/lib/domain/migration-catalog";
import { hashPassword } from "@/lib/domain/password";
import type { Role } from "@/lib/domain/roles";

/** Documented demo password (README). Demo accounts are refused at sign-in outside demo mode. */
export const DEMO_PASSWORD = "flightdeck-demo";

export const DEMO_ACCOUNTS: { email: string; name: string; roles: Role[] }[] = [
  { email: "captain@flightdeck.local", name: "Casey Captain", roles: ["release_captain"] },
  { email: "sentinel@flightdeck.local", name: "Sam Sentinel", roles: ["sentinel"] },
  { email: "sentinel2@flightdeck.local", name: "Sasha Sentinel", roles: ["sentinel"] },
  { email: "owner@flightdeck.local", name: "Olivia Owner", roles: ["service_owner"] },
  { email: "oncall@flightdeck.local", name: "Omar On-call", roles: ["oncall"] },
  { email: "security@flightdeck.local", name: "Sekou Security", roles: ["security"] },
  { email: "lead@flightdeck.local", name: "Lee Lead", roles: ["eng_lead"] },
  { email: "feature@flightdeck.local", name: "Farah Feature", roles: ["feature_owner"] },
  { email: "dev@flightdeck.local", name: "Dana Developer", roles: ["developer"] },
  { email: "viewer@flightdeck.local", name: "Val Viewer", roles: ["viewer"] },
  { email: "admin@flightdeck.local", name: "Ada Admin", roles: ["admin"] },
  // Holds two roles, to show separation of duties (cannot approve what they drive).
  { email: "captain-sentinel@flightdeck.local", name: "Kit Captain-Sentinel", roles: ["release_captain", "sentinel"] },
];

/**
 * The sample service's migration catalog (issue 10: commands are defined here, by an admin, and
 * releases pick migrations by id). The demo commands only print what they would do, and as whom.
 */
export const DEMO_MIGRATIONS: MigrationCatalog = [
  {
    id: "2026-06-add-orders-index",
    kind: "expand",
    description: "Add an index on orders(created_at) before the new version reads by date.",
    command: "echo expand {{migration}} for {{service}} {{version}} in {{environment}}: CREATE INDEX orders_created_at, as $(id -un)",
  },
  {
    id: "2026-06-backfill-regions",
    kind: "expand",
    description: "Backfill orders.region; run by the database team outside Flightdeck (recorded, nothing runs).",
  },
  {
    id: "2026-06-drop-legacy-status",
    kind: "contract",
    description: "Drop orders.legacy_status once every deployment of the release is healthy.",
    command: "echo contract {{migration}} for {{service}} {{version}} in {{environment}}: ALTER TABLE orders DROP COLUMN legacy_status, as $(id -un)",
  },
];

/** Seeds demo accounts, the two environments and a sample service; only into an empty database. */
export async function seedDemo(db: Db): Promise<boolean> {
  if (hasUsers(db)) return false;
  const hashes = await Promise.all(DEMO_ACCOUNTS.map(() => hashPassword(DEMO_PASSWORD)));
  const now = Date.now();
  const system = { kind: "system", label: "system" } as const;
  writeTransaction(db, (tx) => {
    if (hasUsers(tx)) return;
    DEMO_ACCOUNTS.forEach((account, i) => {
      const user = insertUser(tx, { email: account.email, name: account.name, passwordHash: hashes[i]!, demo: true, createdAt: now });
      for (const role of account.roles) grantRole(tx, { userId: user.id, role, grantedBy: null, at: now });
      recordAudit(tx, {
        actor: system,
        action: "user.create",
        subjectType: "user",
        subjectId: user.id,
        details: { email: user.email, roles: account.roles, demo: true },
        at: now,
      });
    });
    for (const [i, env] of [
      { name: "staging", description: "Pre-production: developers may deploy here.", production: false },
      { name: "production", description: "Customer traffic: approvals, security gate and freezes apply.", production: true },
    ].entries()) {
      const row = insertEnvironment(tx, { ...env, sortOrder: i, createdAt: now });
      recordAudit(tx, { actor: system, action: "environment.create", subjectType: "environment", subjectId: row.id, environment: row.name, details: env, at: now });
    }
    // Several Flightdeck instances on one machine (tests, demos) each need their own router ports.
    const routerPort = Number(process.env.FLIGHTDECK_DEMO_ROUTER_PORT ?? DEFAULT_LOCAL_TARGET.routerPort);
    const deployTarget = { ...DEFAULT_LOCAL_TARGET, routerPort };
    const service = insertService(tx, {
      name: "sample-api",
      description: "Sample HTTP service shipped with Flightdeck; its versions can be made slow or failing.",
      owner: "Platform team",
      deployTarget: JSON.stringify(deployTarget),
      migrations: JSON.stringify(DEMO_MIGRATIONS),
      createdAt: now,
      updatedAt: now,
    });
    recordAudit(tx, {
      actor: system,
      action: "service.create",
      subjectType: "service",
      subjectId: service.id,
      details: { name: service.name, deployTarget, migrations: DEMO_MIGRATIONS },
      at: now,
    });
    // C3: the sample service's health in every environment, probed through its router.
    for (const env of listEnvironments(tx)) {
      const probe = insertProbe(tx, { name: `${service.name} health`, environmentId: env.id, serviceId: service.id, createdAt: now });
      recordAudit(tx, { actor: system, action: "probe.create", subjectType: "probe", subjectId: probe.id, environment: env.name, details: { name: probe.name, service: service.name }, at: now });
    }
    // The demo starts in monitor mode so a first canary runs at once; the gate records what enforce would block.
    const gate = readGate(tx);
    updateGate(tx, gate.rowVersion, { mode: "monitor", threatLevel: "none", lockdownReason: null, updatedBy: null, updatedAt: now });
    recordAudit(tx, { actor: system, action: "gate.mode_set", subjectType: "security_gate", subjectId: 1, details: { before: { mode: gate.mode }, after: { mode: "monitor" }, demo: true }, at: now });
    // Canary analysis at 1/50 of the runbooks' durations, so 1.1.0-bad visibly rolls back within seconds.
    putServiceAnalysis(tx, service.id, JSON.stringify(DEMO_ANALYSIS_INPUT), now);
    recordAudit(tx, { actor: system, action: "analysis.config_update", subjectType: "service", subjectId: service.id, details: { config: DEMO_ANALYSIS_INPUT, demo: true }, at: now });
    recordAudit(tx, { actor: system, action: "system.seed", details: { accounts: DEMO_ACCOUNTS.length }, at: now });
  });
  return true;
}
