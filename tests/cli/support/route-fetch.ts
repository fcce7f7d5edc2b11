import { routeFileFor, routeParams } from "../../api/support/route-files";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/**
 * A fetch that answers from the app's real route handlers in this process (the file Next would
 * route the path to, with its params), so the CLI runs against real routes on real SQLite.
 * `drop(req)` returning true loses that answer after the handler ran (a connection cut on the way back).
 */
export function routeFetch(opts: { drop?: (req: Request) => boolean } = {}): (req: Request) => Promise<Response> {
  return async (req) => {
    const url = new URL(req.url);
    const route = routeFileFor(url.pathname);
    if (!route) return new Response("This page could not be found.", { status: 404 });
    const handler = ((await import(route.file)) as Record<string, Handler | undefined>)[req.method];
    if (!handler) return new Response(null, { status: 405 });
    const res = await handler(req, { params: Promise.resolve(routeParams(route, url.pathname)) });
    if (opts.drop?.(req)) throw new TypeError("fetch failed", { cause: Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }) });
    return res;
  };
}
