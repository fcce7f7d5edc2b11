import "server-only";
import path from "node:path";
import { databasePath } from "@/db/connection";
import { deployTargetSchema } from "@/lib/domain/deploy-target";
import { createCommandDriver } from "./command/driver";
import { createLocalDriver } from "./local/driver";
import { localLogFiles } from "./local/log-files";
import { createPm2Driver } from "./pm2/driver";
import { createProxyDriver } from "./proxy/driver";
import type { DeployDriver } from "./types";

export interface ResolvedDriver {
  driver: DeployDriver;
  /** Smoke endpoints relative to a variant's base URL. */
  smokePaths: string[];
  name: string;
}

/** The local driver's version logs, for the promote gates' log scan (issue 13 item 3). */
const withLocalLogs = (driver: DeployDriver, dataDir: string): DeployDriver => ({ ...driver, logFiles: (t) => Promise.resolve(localLogFiles(dataDir, t)) });

// A PM2 driver holds a connection to its daemon: one per configuration, reused by every job.
const pm2Drivers = new Map<string, ReturnType<typeof createPm2Driver>>();

/** The PM2 driver of a pm2 deploy target (runbook 000's checklist reads its `pm2 list`); null for other drivers. */
export function pm2DriverFor(deployTargetJson: string): ReturnType<typeof createPm2Driver> | null {
  const target = deployTargetSchema.parse(JSON.parse(deployTargetJson));
  if (target.driver !== "pm2") return null;
  const dbFile = databasePath();
  const key = `${dbFile}|${deployTargetJson}`;
  let driver = pm2Drivers.get(key);
  if (!driver) pm2Drivers.set(key, (driver = createPm2Driver(target, { pm2Home: path.join(path.dirname(dbFile), "pm2") })));
  return driver;
}

/** Chooses the driver for a service from its validated deploy-target config (DESIGN rule 10). */
export function driverFor(deployTargetJson: string, opts: { onOutput?: (line: string) => void } = {}): ResolvedDriver {
  const target = deployTargetSchema.parse(JSON.parse(deployTargetJson));
  const dbFile = databasePath();
  switch (target.driver) {
    case "local":
      return { name: "local", driver: withLocalLogs(createLocalDriver(target, { dataDir: path.dirname(dbFile), dbFile }), path.dirname(dbFile)), smokePaths: [target.healthPath] };
    case "command":
      return { name: "command", driver: createCommandDriver(target, opts), smokePaths: [] };
    case "pm2": {
      const key = `${dbFile}|${deployTargetJson}`;
      let driver = pm2Drivers.get(key);
      if (!driver) pm2Drivers.set(key, (driver = createPm2Driver(target, { pm2Home: path.join(path.dirname(dbFile), "pm2") })));
      // Builds, reloads and tags write into this job's log (the connection to the daemon is shared).
      return { name: "pm2", driver: driver.withOutput(opts.onOutput), smokePaths: [target.healthPath] };
    }
    case "proxy":
      return { name: "proxy", driver: createProxyDriver(target, { dataDir: path.dirname(dbFile), dbFile }), smokePaths: [target.healthPath] };
  }
}
