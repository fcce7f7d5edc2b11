import { z } from "zod";
import { jsonTextSchema } from "./json-text";

export const DRIVERS = ["local", "pm2", "command"] as const;
export type DriverName = (typeof DRIVERS)[number];

const port = z.number().int().min(1024, "Port must be 1024 or above.").max(65535, "Port must be 65535 or below.");
const shellCommand = z.string().trim().min(1, "Command cannot be empty.").max(2000);

/** HTTP token (RFC 9110): what a header or cookie name may be made of. */
const tokenName = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} name cannot be empty.`)
    .max(200, `${what} name is at most 200 characters.`)
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]*$/, `${what} name may use letters, digits and marks such as - _ . (no spaces, colons, quotes or brackets).`);

/** A sticky split names a user by a request header or a cookie: that user stays on one version. */
export type StickySplit = { header: string } | { cookie: string };

/**
 * Split mode (REQUIREMENTS H1, H7): without `sticky`, each request is a weighted random draw; with
 * it, requests carrying the header or cookie go by a consistent hash of its value, so a user keeps
 * one version and, as the weight grows, users only move from stable to the canary. Requests without
 * it fall back to the random draw. The same names configure a production proxy's split.
 */
export const stickySplitSchema = z
  .object({ header: tokenName("Header").optional(), cookie: tokenName("Cookie").optional() }, {
    error: (issue) => (issue.code === "invalid_type" ? 'Sticky split must be an object such as {"header": "x-user-id"} or {"cookie": "session"}.' : undefined),
  })
  .strict()
  .refine((v) => (v.header === undefined) !== (v.cookie === undefined), {
    message: 'Sticky split names either a header or a cookie (one of them): {"header": "x-user-id"} or {"cookie": "session"}.',
  })
  .transform((v): StickySplit => (v.header !== undefined ? { header: v.header } : { cookie: v.cookie! }));

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
        /** Optional sticky split by a header or cookie; absent: weighted random per request. */
        sticky: stickySplitSchema.optional(),
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
