/** Where a driver acts: one service in one environment. */
export interface DriverTarget {
  serviceId: number;
  serviceName: string;
  environmentId: number;
  environmentName: string;
}

export interface VersionStatus {
  version: string;
  role: "stable" | "canary";
  healthy: boolean;
  detail: string;
}

export interface DriverStatus {
  weight: number;
  versions: VersionStatus[];
}

export interface SmokeResult {
  ok: boolean;
  checks: { url: string; status: number | null; ms: number; ok: boolean; detail: string }[];
}

/** What a promotion recorded beside the switch, for the rollout's audit event (runbook 000: the deploy-candidate tag). */
export interface PromoteOutcome {
  /** Tag created on the promoted commit. */
  tag?: string;
  /** Full sha of the promoted commit. */
  commit?: string;
}

/**
 * A deploy target (REQUIREMENTS H1-H3). Every method is idempotent: repeating it after a crash
 * has the effect of doing it once. `opId` names the operation for drivers that keep a record.
 */
export interface DeployDriver {
  /** Starts `version` beside the stable one (canary / green), or adopts it if already running. */
  deploy(target: DriverTarget, op: { opId: string; version: string; stableVersion: string | null }): Promise<void>;
  /** Sends `weight` percent of traffic to the new version. */
  setWeight(target: DriverTarget, op: { opId: string; weight: number }): Promise<void>;
  /** Makes the new version the stable one and retires the old. */
  promote(target: DriverTarget, op: { opId: string; version: string }): Promise<void | PromoteOutcome>;
  /** Sends all traffic back to the stable version and removes the new one. */
  rollback(target: DriverTarget, op: { opId: string; version: string; stableVersion: string | null }): Promise<void>;
  /** What runs now and how healthy it is. */
  status(target: DriverTarget): Promise<DriverStatus>;
  /**
   * Repairs the data plane after crashes: restarts a dead router or stable version, adopts what
   * runs. A dead canary is left alone (the rollout's watch fails the step instead). Returns what it did.
   */
  reconcile?(target: DriverTarget): Promise<string[]>;
  /** Operating-system processes of the running versions, where the driver knows them (CPU / memory sampling). */
  processes?(target: DriverTarget): Promise<{ role: "stable" | "canary"; version: string; pid: number }[]>;
  /**
   * Log files the versions write (the promote gates' critical-line scan, runbook 000 section 4), by
   * role; absent: the driver keeps no logs Flightdeck can read (the log gate says so and passes).
   */
  logFiles?(target: DriverTarget): Promise<{ canary: string[]; main: string[] }>;
  /** Base URL that reaches one variant directly (for smoke checks). */
  variantUrl(target: DriverTarget, variant: "stable" | "canary"): Promise<string | null>;
}
