import { z } from "zod";
import { jsonTextSchema } from "./json-text";

export const DRIVERS = ["local", "pm2", "command", "proxy"] as const;
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

/** A PM2 app name (also a file name in PM2's logs): letters, digits, dot, dash, underscore. */
const pm2AppName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "PM2 name may use letters, digits, dot, dash and underscore (at most 63), starting with a letter or digit.");

/** Placeholders a deploy-candidate tag pattern may use. */
export const TAG_PATTERN_VARIABLES = ["service", "environment", "sha", "shortSha", "version"] as const;

/** Whether `name` is a valid git tag name (the rules of `git check-ref-format` that a rendered pattern can break). */
export function validTagName(name: string): boolean {
  return (
    name.length > 0 &&
    // eslint-disable-next-line no-control-regex -- git refuses control characters in ref names
    !/[\s~^:?*[\\\x00-\x1f\x7f]/.test(name) &&
    !/\.\.|\/\/|@\{|\/\.|\.lock(\/|$)/.test(name) &&
    !/^[-/.]|[/.]$/.test(name) &&
    name !== "@"
  );
}

/** Versions from git (runbook 000, issue 13 item 1): repository, build and how many release dirs to keep. */
export const gitSourceSchema = z
  .object({
    /** A local path or a URL the host can reach. */
    repo: z.string().trim().min(1, "Repository cannot be empty: give a local path or a URL.").max(1000).refine((v) => !v.startsWith("-"), "Repository cannot start with -."),
    /** Run with sh -c in the release directory (runbook 000: npm run build). */
    build: shellCommand.default("npm run build"),
    keepReleases: z.number().int().min(1, "Keep at least 1 release.").max(50, "Keep at most 50 releases.").default(5),
    tagPattern: z
      .string()
      .trim()
      .min(1, "Tag pattern cannot be empty.")
      .max(200)
      .default("deploy-candidate-{{environment}}-{{shortSha}}")
      .refine(
        (v) => [...v.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].every((m) => (TAG_PATTERN_VARIABLES as readonly string[]).includes(m[1]!)),
        `Tag pattern may use only ${TAG_PATTERN_VARIABLES.map((n) => `{{${n}}}`).join(", ")}.`,
      )
      .refine(
        (v) => validTagName(v.replace(/\{\{\s*(\w+)\s*\}\}/g, "x")),
        "Tag pattern does not make a valid git tag name (no spaces, ~ ^ : ? * [ \\, .., //, or a leading - or trailing . or /).",
      ),
    buildTimeoutSeconds: z.number().int().min(1, "Build timeout must be at least 1 second.").max(7200, "Build timeout is at most 7200 seconds.").default(600),
  })
  .strict();

/** An upstream the production proxy sends traffic to: http://host:port, nothing after the port. */
const upstreamUrl = (what: string) =>
  z
    .string()
    .trim()
    .min(1, `${what} upstream cannot be empty: give a URL such as http://10.0.0.5:3000.`)
    .max(500)
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === "http:" && u.hostname !== "" && (u.pathname === "/" || u.pathname === "") && !u.search && !u.hash && !u.username;
      } catch {
        return false;
      }
    }, `${what} upstream must be an http:// URL with a host and a port, such as http://10.0.0.5:3000 (no path).`);

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
        /** PM2 app name (runbook 000): main is `<name>`, the canary `<name>-canary`; default the service name. */
        name: pm2AppName.optional(),
        /** Versions from git (runbook 000): each version is a commit or tag built into its own release dir. */
        git: gitSourceSchema.optional(),
        /** A production proxy in front (HAProxy) listening here splits traffic between main and canary. */
        proxy: z.object({ listenPort: port }).strict().optional(),
      })
      .strict()
      .refine((v) => v.mainPort !== v.canaryPort, { message: "Canary port must differ from main port.", path: ["canaryPort"] })
      .refine((v) => !v.proxy || (v.proxy.listenPort !== v.mainPort && v.proxy.listenPort !== v.canaryPort), {
        message: "Proxy port must differ from the main and canary ports.",
        path: ["proxy"],
      })
      .refine((v) => !v.git || !(v.script.startsWith("/") || v.script.split("/").includes("..")), {
        message: "With git, the script is a path inside the release directory (such as server.js or dist/server.js).",
        path: ["script"],
      }),
    z
      .object({
        driver: z.literal("proxy"),
        /** HAProxy (started and supervised by Flightdeck) listens on this port and splits between the two upstreams. */
        listenPort: port,
        /** Where the current version serves (remote, PM2 or anything that speaks HTTP). */
        stable: upstreamUrl("Stable"),
        /** Where the new version is deployed (by your CD) before the proxy sends it a share. */
        canary: upstreamUrl("Canary"),
        healthPath: z.string().startsWith("/", "Health path must start with /.").default("/health"),
        /** Optional sticky split by a header or cookie; absent: weighted random per request. */
        sticky: stickySplitSchema.optional(),
      })
      .strict()
      .refine((v) => v.stable !== v.canary, { message: "Canary upstream must differ from the stable upstream.", path: ["canary"] }),
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
