import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Another origin for clickjacking tests: a tiny HTTP server on a free port of this machine
 * (http://localhost:<port>, so same-site with Flightdeck and its cookies would even be sent).
 * GET /frame?src=<url> answers a page that frames `src` (#target) and one of its own pages
 * (#control, proving frames load at all); GET /control answers that page.
 */
export interface ForeignOrigin {
  origin: string;
  framePage(src: string): string;
  close(): Promise<void>;
}

const CONTROL_TEXT = "Control frame from the other origin";

export { CONTROL_TEXT };

export async function startForeignOrigin(): Promise<ForeignOrigin> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/frame") {
      const src = url.searchParams.get("src") ?? "";
      const attr = src.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(
        `<!doctype html><title>Other origin</title><h1>Looks harmless</h1>` +
          `<iframe id="target" title="target" src="${attr}" width="900" height="600"></iframe>` +
          `<iframe id="control" title="control" src="/control" width="300" height="100"></iframe>`,
      );
      return;
    }
    if (url.pathname === "/control") {
      res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><p id="control-text">${CONTROL_TEXT}</p>`);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://localhost:${port}`;
  return {
    origin,
    framePage: (src) => `${origin}/frame?${new URLSearchParams({ src }).toString()}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
