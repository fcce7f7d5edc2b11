import { z } from "zod";
import { jsonTextSchema } from "./json-text";

export const DRIVERS = ["local", "pm2", "command"] as const;
export type DriverName = (typeof DRIVERS)[number];

const port = z.number().int().min(1024, "Port must be 1024 or above.").max(65535, "Port must be 65535 or below.");
const shellCommand = z.string().trim().min(1, "Command cannot be empty.").max(2000);

/** Deploy target of a service (REQUIREMENTS B1, H1-H3): the driver and its settings. */
export const deployTargetSchema = z.discriminatedUnion(
  "driver",
  [
    z
      .object({
        driver: z.literal("local"),
        /** Built-in sample service, or a path to a Node script that serves HTTP on $PORT. */
        entry: z.string().trim().min(1).default("sample-service"),
        routerPort: port.default(4000),
        healthPath: z.string().startsWith("/", "Health path must start with /.").default("/health"),
      })
      .strict(),
    z
      .object({
        driver: z.literal("pm2"),
        script: z.string().trim().min(1, "PM2 needs the script to run."),
        mainPort: port,
        canaryPort: port,
        healthPath: z.string().startsWith("/", "Health path must start with /.").default("/health"),
      })
      .strict()
      .refine((v) => v.mainPort !== v.canaryPort, { message: "Canary port must differ from main port.", path: ["canaryPort"] }),
    z
      .object({
        driver: z.literal("command"),
        commands: z
          .object({
            deploy: shellCommand,
            setWeight: shellCommand,
            promote: shellCommand,
            rollback: shellCommand,
            status: shellCommand,
          })
          .strict(),
        timeoutSeconds: z.number().int().min(1).max(3600).default(300),
      })
      .strict(),
  ],
  { error: (issue) => (issue.code === "invalid_union" ? `Unknown driver: choose one of ${DRIVERS.join(", ")}.` : undefined) },
);
export type DeployTarget = z.output<typeof deployTargetSchema>;

/** Parses deploy-target JSON text; errors are phrased for the person editing it. */
export const deployTargetJsonSchema = jsonTextSchema(deployTargetSchema, "Deploy target");

/**
 * Router port of the local driver for one environment: fixed by the environment's id, so adding,
 * renaming or reordering environments never moves another environment's traffic.
 */
export function localRouterPort(basePort: number, environmentId: number): number {
  return basePort + 100 * (environmentId - 1);
}

export const DEFAULT_LOCAL_TARGET = { driver: "local", entry: "sample-service", routerPort: 4000, healthPath: "/health" } satisfies DeployTarget;
