import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { OPERATIONS } from "@/lib/api/spec";
import { APP_DIR, ROUTE_METHODS, openApiPathOf, restRouteFiles, routeFileFor } from "./support/route-files";

// Route modules import the session reader; nothing is called here, only their exports are read.
vi.mock("next-auth", async (orig) => ({ ...(await orig<object>()), getServerSession: () => null }));

/**
 * CI fails when a route is undocumented (issue 11): every HTTP method exported by a route file
 * under /api/v1 and /api/deploy-safety is an operation of lib/api/spec (OPERATIONS, the list the
 * OpenAPI document is built from), and every documented operation has its route file and method.
 */
const routes = await Promise.all(
  restRouteFiles().map(async (route) => {
    const mod = (await import(/* @vite-ignore */ route.file)) as Record<string, unknown>;
    return { route, methods: ROUTE_METHODS.filter((m) => typeof mod[m] === "function") };
  }),
);

const where = (file: string) => path.relative(APP_DIR, file);

describe("every REST route is documented, every documented operation has its route", () => {
  it("finds the REST route files", () => {
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) expect(r.methods.length, `${where(r.route.file)} exports no HTTP method`).toBeGreaterThan(0);
  });

  it("each exported method of each route file answers at least one documented operation", () => {
    const undocumented: string[] = [];
    for (const { route, methods } of routes) {
      for (const method of methods) {
        const answered = OPERATIONS.filter((op) => op.method === method && routeFileFor(op.path)?.file === route.file);
        if (answered.length === 0) undocumented.push(`${method} ${openApiPathOf(route)} (app/${where(route.file)})`);
      }
    }
    expect(undocumented, "undocumented routes: add an operation to lib/api/spec and OPERATIONS").toEqual([]);
  });

  it("each documented operation is answered by a route file exporting its method", () => {
    const missing: string[] = [];
    for (const op of OPERATIONS) {
      const route = routeFileFor(op.path);
      const found = route && routes.find((r) => r.route.file === route.file);
      if (!found?.methods.includes(op.method)) missing.push(`${op.id}: ${op.method} ${op.path}${route ? ` (app/${where(route.file)} has no ${op.method})` : " (no route file)"}`);
    }
    expect(missing, "documented operations without a route").toEqual([]);
  });

  it("maps OpenAPI paths onto route folders: {id} to [id], a literal command to the [command] folder", () => {
    expect(routeFileFor("/api/v1/rollouts/{id}")?.dirs).toEqual(["api", "v1", "rollouts", "[id]"]);
    expect(routeFileFor("/api/v1/rollouts/{id}/pause")?.dirs).toEqual(["api", "v1", "rollouts", "[id]", "[command]"]);
    expect(routeFileFor("/api/v1/rollouts/{rolloutId}")).toBeUndefined();
    expect(routeFileFor("/api/v1/nothing-here")).toBeUndefined();
  });
});
