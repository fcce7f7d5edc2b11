import type { AccountKey } from "../../e2e/support/accounts";

/**
 * How to call each documented REST operation (keyed by operationId) with a valid request built
 * from the server's current state, through the API itself. Two suites use them: the contract
 * test (e2e-api/contract.spec.ts: a real server, each answer validated against the OpenAPI
 * document) and the authorization matrix (tests/api/authz-matrix.test.ts: in-process route
 * handlers, every role x every kind of token). An operation without a case fails both.
 *
 * Cases are order-safe on a shared server: a state change they make is one another spec would
 * not notice (a fresh release, an override revoked again, the security gate set to what it is)
 * or is undone by `cleanup`; rollout commands go to a finished rollout when there is one (a
 * documented 409 problem), so a live rollout of another spec is left alone.
 */

export interface ApiAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Parsed JSON, or the text of another media type. */
  body: unknown;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

/** The API as a demo account calls it: a token with every scope the account's roles allow. */
export interface Api {
  call(as: AccountKey, method: string, path: string, opts?: CallOptions): Promise<ApiAnswer>;
  /** Things found or made once per suite (a release to read, a rollout to read). */
  readonly memo: Map<string, unknown>;
}

export interface PreparedCall {
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The environment the call acts on (for operations with spec.environment). */
  environment?: string;
  /** Undoes what the call changed, given its answer (e.g. revokes the override it created). */
  cleanup?: (answer: ApiAnswer) => Promise<void>;
}

export interface OperationCase {
  /** The demo account the contract test calls it as (its roles allow the operation). */
  as: AccountKey;
  /**
   * Builds the call. `caller` is the account that will make it (the matrix calls as every role):
   * where a rule finer than the permission table applies (runbook 003's override table, revoking
   * one's own override), the request is one that caller may make.
   */
  prepare(api: Api, caller: AccountKey): Promise<PreparedCall>;
  /**
   * The documented answers the contract accepts from a server whose state other specs share;
   * default: the operation's success statuses.
   */
  accept?: readonly number[];
}

export const SERVICE = "sample-api";
export const STAGING = "staging";

/** A path id that exists nowhere (the documented 404), for a resource this state has none of. */
export const MISSING_ID = 999_999_999;

let counter = 0;
/** A version no other spec uses: `<major>.<time-based minor>.<counter>`. */
export const uniqueVersion = (major: number) => `${major}.${Date.now() % 1_000_000_000}.${++counter}`;

const strategy = { kind: "canary", steps: [{ weight: 10, holdSeconds: 600 }, { weight: 100, holdSeconds: 0 }] };

function expectStatus(answer: ApiAnswer, statuses: readonly number[], what: string): void {
  if (!statuses.includes(answer.status)) throw new Error(`${what}: expected ${statuses.join(" or ")}, got ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
}

async function memo<T>(api: Api, key: string, make: () => Promise<T>): Promise<T> {
  if (!api.memo.has(key)) api.memo.set(key, await make());
  return api.memo.get(key) as T;
}

interface Item {
  id: number;
  environment?: string;
  status?: string;
}

const items = (a: ApiAnswer) => (a.body as { items: Item[] }).items;

/** A new release of the sample service (pre-flight), made by the release captain. */
async function newRelease(api: Api): Promise<Item> {
  const a = await api.call("captain", "POST", "/api/v1/releases", {
    body: {
      service: SERVICE,
      version: uniqueVersion(7),
      commitSha: "c0ffee1",
      changeLog: "A release made by the API contract and matrix tests.",
      rollbackPlan: "Redeploy the previous version of the sample service.",
      migrations: [],
      strategy,
    },
  });
  expectStatus(a, [201], "create a release");
  return a.body as Item;
}

const aRelease = (api: Api) => memo(api, "release", () => newRelease(api));

/** Starts a rollout in staging (the captain); undefined when the environment is busy (409) or blocked. */
async function startStagingRollout(api: Api): Promise<Item | undefined> {
  const a = await api.call("captain", "POST", "/api/v1/rollouts", { body: { service: SERVICE, environment: STAGING, version: uniqueVersion(8), strategy } });
  expectStatus(a, [202, 403, 409], "start a rollout");
  return a.status === 202 ? (a.body as Item) : undefined;
}

/** A rollout to read: the newest one, else one started now. */
const aRollout = (api: Api) =>
  memo(api, "rollout", async () => {
    const listed = items(await api.call("viewer", "GET", "/api/v1/rollouts?limit=1"))[0];
    const rollout = listed ?? (await startStagingRollout(api));
    if (!rollout) throw new Error("no rollout to read and none could be started");
    return rollout;
  });

/** A rollout to send commands to: a finished one when there is one (its answer is a 409), else one to read. */
async function commandTarget(api: Api): Promise<Item> {
  for (const status of ["succeeded", "rolled_back", "failed"]) {
    const found = items(await api.call("viewer", "GET", `/api/v1/rollouts?status=${status}&limit=1`))[0];
    if (found) return found;
  }
  return aRollout(api);
}

/** Aborts a rollout a case started (whatever state it reached). */
async function abortStarted(api: Api, answer: ApiAnswer): Promise<void> {
  if (answer.status !== 202) return;
  const { id } = answer.body as Item;
  await api.call("captain", "POST", `/api/v1/rollouts/${id}/abort`, { headers: { "if-match": "*" }, body: { reason: "API test cleanup" } });
}

/**
 * An override `caller` may create (runbook 003: Security any; engineering leads deploy actions;
 * on-call deploy.rollback in production only); others' requests are Security's.
 */
function overrideBody(caller: AccountKey) {
  const environment = caller === "oncall" ? "production" : STAGING;
  return { action: "deploy.rollback", environment, reason: "API test override, revoked again at once.", ttlMinutes: 5 };
}

const OVERRIDE_CREATORS: readonly AccountKey[] = ["security", "lead", "oncall"];
/** Who creates the override `caller` reads or revokes: themselves when they may (only Security revokes others'). */
const overrideCreator = (caller: AccountKey): AccountKey => (OVERRIDE_CREATORS.includes(caller) ? caller : "security");

async function newOverride(api: Api, caller: AccountKey): Promise<Item> {
  const creator = overrideCreator(caller);
  const a = await api.call(creator, "POST", "/api/deploy-safety/security-gate/override", { body: overrideBody(creator) });
  expectStatus(a, [201], "create an override");
  return a.body as Item;
}

const revoke = (api: Api, id: number) => api.call("security", "DELETE", `/api/deploy-safety/security-gate/override/${id}`).then(() => undefined);

/** A validation of the captain's release in staging, or undefined when none could be started. */
const aValidation = (api: Api) =>
  memo(api, "validation", async () => {
    const release = await aRelease(api);
    const a = await api.call("captain", "POST", "/api/deploy-safety/validations/start", { body: { releaseId: release.id, environment: STAGING } });
    return a.status === 202 ? (a.body as Item) : undefined;
  });

const createRollbackRequest = (api: Api) =>
  api.call("oncall", "POST", "/api/deploy-safety/rollback/create", { body: { environment: STAGING, service: SERVICE, reason: "API test rollback request." } });

/**
 * A rollback request for staging. With nothing to roll back to (409: no live rollout, no earlier
 * version), a rollout is started first (its rollback aborts it); undefined when that is refused too.
 */
async function newRollbackRequest(api: Api): Promise<Item | undefined> {
  let a = await createRollbackRequest(api);
  if (a.status === 409 && (await startStagingRollout(api))) a = await createRollbackRequest(api);
  expectStatus(a, [201, 403, 409], "create a rollback request");
  return a.status === 201 ? (a.body as Item) : undefined;
}

async function aProbeId(api: Api): Promise<number> {
  const report = (await api.call("viewer", "GET", "/api/deploy-safety/health")).body as { environments: { probes: { id: number }[] }[] };
  const id = report.environments.flatMap((e) => e.probes)[0]?.id;
  if (id === undefined) throw new Error("no health probe");
  return id;
}

async function anApprovalId(api: Api): Promise<number> {
  return items(await api.call("viewer", "GET", "/api/v1/approvals?limit=1"))[0]?.id ?? MISSING_ID;
}

/** A rollout command on the command target, If-Match: * (any state). */
function rolloutCommand(command: string, as: AccountKey): OperationCase {
  return {
    as,
    accept: [202, 403, 409],
    async prepare(api) {
      const r = await commandTarget(api);
      return { path: `/api/v1/rollouts/${r.id}/${command}`, headers: { "if-match": "*" }, body: command === "abort" ? { reason: "API test" } : {}, environment: r.environment };
    },
  };
}

const read = (path: string | ((api: Api) => Promise<string>), as: AccountKey = "viewer", accept?: readonly number[]): OperationCase => ({
  as,
  accept,
  prepare: async (api) => ({ path: typeof path === "string" ? path : await path(api) }),
});

export const OPERATION_CASES: Record<string, OperationCase> = {
  // Reads.
  getHealth: read("/api/deploy-safety/health"),
  getProbe: read(async (api) => `/api/deploy-safety/probes/${await aProbeId(api)}?limit=5`),
  getCanary: read(`/api/deploy-safety/canary/${STAGING}`, "viewer", [200, 404]),
  planRollback: read(`/api/deploy-safety/rollback/plan?environment=${STAGING}&service=${SERVICE}`),
  getSecurityGateStatus: read("/api/deploy-safety/security-gate/status"),
  listOverrides: read("/api/deploy-safety/security-gate/overrides"),
  listReleases: read("/api/v1/releases?limit=5"),
  getRelease: read(async (api) => `/api/v1/releases/${(await aRelease(api)).id}`),
  listRollouts: read("/api/v1/rollouts?limit=5"),
  getRollout: read(async (api) => `/api/v1/rollouts/${(await aRollout(api)).id}`),
  getRolloutLive: read(async (api) => `/api/v1/rollouts/${(await aRollout(api)).id}/live`),
  getRolloutDecisions: read(async (api) => `/api/v1/rollouts/${(await aRollout(api)).id}/decisions`),
  getRolloutMetrics: read(async (api) => `/api/v1/rollouts/${(await aRollout(api)).id}/metrics?window=15m`),
  listApprovals: read("/api/v1/approvals?limit=5"),
  // No approval exists until a release asks for one: then the documented 404.
  getApproval: read(async (api) => `/api/v1/approvals/${await anApprovalId(api)}`, "viewer", [200, 404]),
  listAuditEvents: read("/api/v1/audit?limit=5&action=system.seed"),
  exportAudit: read("/api/v1/audit/export?format=csv&action=system.seed", "security"),
  getValidation: read(async (api) => `/api/deploy-safety/validations/${(await aValidation(api))?.id ?? MISSING_ID}`, "viewer", [200, 404]),
  getRollback: read(async (api) => `/api/deploy-safety/rollback/${(await newRollbackRequest(api))?.id ?? MISSING_ID}`, "viewer", [200, 404]),
  getOverride: {
    as: "viewer",
    async prepare(api, caller) {
      const o = await newOverride(api, caller);
      return { path: `/api/deploy-safety/security-gate/override/${o.id}`, cleanup: () => revoke(api, o.id) };
    },
  },

  // Changes that another spec would not notice, or that are undone.
  createRelease: {
    as: "captain",
    prepare: () => Promise.resolve({
      path: "/api/v1/releases",
      body: { service: SERVICE, version: uniqueVersion(6), commitSha: "c0ffee2", changeLog: "A release made by the API tests.", rollbackPlan: "Redeploy the previous version.", migrations: [], strategy },
    }),
  },
  advanceRelease: {
    as: "captain",
    // A fresh release is in pre-flight: deploy_staging is refused until its checklist passed.
    accept: [200, 202, 403, 409],
    async prepare(api) {
      const r = await aRelease(api);
      return { path: `/api/v1/releases/${r.id}/advance`, headers: { "if-match": "*" }, body: { command: "deploy_staging" }, environment: STAGING };
    },
  },
  startValidation: {
    as: "captain",
    accept: [202, 403, 409],
    async prepare(api) {
      return { path: "/api/deploy-safety/validations/start", body: { releaseId: (await aRelease(api)).id, environment: STAGING }, environment: STAGING };
    },
  },
  runValidation: {
    as: "captain",
    accept: [202, 404, 409],
    async prepare(api) {
      const v = await aValidation(api);
      return { path: `/api/deploy-safety/validations/${v?.id ?? MISSING_ID}/run`, environment: STAGING };
    },
  },
  setSecurityGateMode: {
    as: "security",
    // The gate as it is: the call is answered and audited, the gate stays.
    async prepare(api) {
      const gate = (await api.call("viewer", "GET", "/api/deploy-safety/security-gate/status")).body as { mode: string; threatLevel: string; lockdownReason: string | null };
      return { path: "/api/deploy-safety/security-gate/mode", body: { mode: gate.mode, threatLevel: gate.threatLevel, ...(gate.lockdownReason ? { reason: gate.lockdownReason } : {}) } };
    },
  },
  createOverride: {
    as: "security",
    prepare: (api, caller) => Promise.resolve({
      path: "/api/deploy-safety/security-gate/override",
      body: overrideBody(caller),
      environment: overrideBody(caller).environment,
      cleanup: async (answer) => {
        if (answer.status === 201) await revoke(api, (answer.body as Item).id);
      },
    }),
  },
  revokeOverride: {
    as: "security",
    async prepare(api, caller) {
      const o = await newOverride(api, caller);
      return { path: `/api/deploy-safety/security-gate/override/${o.id}`, environment: o.environment, cleanup: () => revoke(api, o.id) };
    },
  },
  createRollback: {
    as: "oncall",
    // 409 when staging has nothing to roll back to; a request alone moves nothing.
    accept: [201, 409],
    prepare: () => Promise.resolve({ path: "/api/deploy-safety/rollback/create", body: { environment: STAGING, service: SERVICE, reason: "API test rollback request." }, environment: STAGING }),
  },
  executeRollback: {
    as: "oncall",
    accept: [202, 403, 404, 409],
    async prepare(api) {
      const request = await newRollbackRequest(api);
      return { path: `/api/deploy-safety/rollback/${request?.id ?? MISSING_ID}/execute`, environment: STAGING };
    },
  },
  // Approvals need a person: every token is refused (403), whatever the approval.
  decideApproval: {
    as: "sentinel",
    accept: [403],
    prepare: async (api) => ({ path: `/api/v1/approvals/${await anApprovalId(api)}/decide`, body: {} }),
  },

  // Rollout commands: a finished rollout answers a documented 409; a started one is aborted again.
  pauseRollout: rolloutCommand("pause", "captain"),
  resumeRollout: rolloutCommand("resume", "captain"),
  promoteRollout: rolloutCommand("promote", "captain"),
  retryRollout: rolloutCommand("retry", "captain"),
  abortRollout: rolloutCommand("abort", "oncall"),
  promoteCanary: {
    as: "captain",
    // No live canary in staging between specs: the documented 404/409.
    accept: [202, 403, 404, 409],
    prepare: () => Promise.resolve({ path: "/api/deploy-safety/canary/promote", body: { environment: STAGING, service: SERVICE }, environment: STAGING }),
  },
  startRollout: {
    as: "captain",
    accept: [202, 403, 409],
    prepare: (api) => Promise.resolve({
      path: "/api/v1/rollouts",
      body: { service: SERVICE, environment: STAGING, version: uniqueVersion(8), strategy },
      environment: STAGING,
      cleanup: (answer) => abortStarted(api, answer),
    }),
  },
  startCanary: {
    as: "captain",
    accept: [202, 403, 409],
    prepare: (api) => Promise.resolve({
      path: "/api/deploy-safety/canary/start",
      body: { environment: STAGING, service: SERVICE, version: uniqueVersion(9), config: { initialPercentage: 10, incrementPercentage: 45, incrementInterval: 600_000, maxPercentage: 100 } },
      environment: STAGING,
      cleanup: (answer) => abortStarted(api, answer),
    }),
  },
};
