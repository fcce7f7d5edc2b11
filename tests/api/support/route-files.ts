import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

/** The app directory, whose folders are the URL paths of route handlers (Next's App Router). */
export const APP_DIR = path.resolve(import.meta.dirname, "..", "..", "..", "app");

/** The REST API's route files: everything under these URL prefixes is documented (lib/api/spec). */
export const REST_ROOTS = ["api/v1", "api/deploy-safety"] as const;

export const ROUTE_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

export interface RouteFile {
  /** Absolute path of route.ts. */
  file: string;
  /** Folder names from app/, e.g. ["api", "v1", "rollouts", "[id]", "[command]"]. */
  dirs: string[];
}

const isDynamic = (dir: string) => /^\[[^\].]+\]$/.test(dir);

/** Every route.ts under the REST roots. */
export function restRouteFiles(): RouteFile[] {
  const out: RouteFile[] = [];
  const walk = (dirs: string[]) => {
    const abs = path.join(APP_DIR, ...dirs);
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory()) walk([...dirs, entry.name]);
      else if (entry.name === "route.ts") out.push({ file: path.join(abs, entry.name), dirs });
    }
  };
  for (const root of REST_ROOTS) if (existsSync(path.join(APP_DIR, root))) walk(root.split("/"));
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/**
 * The route file Next would answer an OpenAPI path with: `{id}` needs a folder `[id]`; a literal
 * segment its own folder, else the folder's one dynamic segment (e.g. `/rollouts/{id}/pause` is
 * answered by `rollouts/[id]/[command]/route.ts`). Undefined when no route file answers it.
 */
export function routeFileFor(openApiPath: string): RouteFile | undefined {
  const dirs: string[] = [];
  for (const segment of openApiPath.split("/").filter(Boolean)) {
    const here = path.join(APP_DIR, ...dirs);
    if (!existsSync(here)) return undefined;
    const children = readdirSync(here, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const param = /^\{(.+)\}$/.exec(segment)?.[1];
    const next = param ? children.find((c) => c === `[${param}]`) : (children.find((c) => c === segment) ?? children.find(isDynamic));
    if (!next) return undefined;
    dirs.push(next);
  }
  const file = path.join(APP_DIR, ...dirs, "route.ts");
  return existsSync(file) ? { file, dirs } : undefined;
}

/** The route handler's `params` for a concrete URL path answered by `route` (each `[name]` folder's segment). */
export function routeParams(route: RouteFile, urlPath: string): Record<string, string> {
  const segments = urlPath.split("?")[0]!.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  route.dirs.forEach((dir, i) => {
    if (isDynamic(dir)) params[dir.slice(1, -1)] = decodeURIComponent(segments[i] ?? "");
  });
  return params;
}

/** The URL path of a route file with `[name]` written `{name}` (how the document writes it). */
export function openApiPathOf(route: RouteFile): string {
  return `/${route.dirs.map((d) => (isDynamic(d) ? `{${d.slice(1, -1)}}` : d)).join("/")}`;
}
