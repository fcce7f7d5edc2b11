import "server-only";
import path from "node:path";
import { databasePath } from "@/db/connection";
import { deployTargetSchema } from "@/lib/domain/deploy-target";
import { createCommandDriver } from "./command/driver";
import { createLocalDriver } from "./local/driver";
import type { DeployDriver } from "./types";

export interface ResolvedDriver {
  driver: DeployDriver;
  /** Smoke endpoints relative to a variant's base URL. */
  smokePaths: string[];
  name: string;
}

/** Chooses the driver for a service from its validated deploy-target config (DESIGN rule 10). */
export function driverFor(deployTargetJson: string, opts: { onOutput?: (line: string) => void } = {}): ResolvedDriver {
  const target = deployTargetSchema.parse(JSON.parse(deployTargetJson));
  const dbFile = databasePath();
  switch (target.driver) {
    case "local":
      return { name: "local", driver: createLocalDriver(target, { dataDir: path.dirname(dbFile), dbFile }), smokePaths: [target.healthPath] };
    case "command":
      return { name: "command", driver: createCommandDriver(target, opts), smokePaths: [] };
    case "pm2":
      throw new Error("The pm2 driver is not available in this build yet; use the local or command driver.");
  }
}
