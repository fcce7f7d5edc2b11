import "server-only";
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * The API reference page's files (app/api-docs): Swagger UI from the swagger-ui-dist npm package,
 * served by Flightdeck itself (no CDN), and the initializer that points it at /api/openapi.json.
 * Only the files named here are ever read: a request names an entry of this table, never a path.
 */
const PACKAGE_FILES = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
} as const;

/** Our initializer (the package's own one loads the petstore example from the internet). */
const INITIALIZER = `window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  persistAuthorization: false,
  // No links inside the operation buttons (deep links nest an <a> in a <button>) and no
  // colour-coded examples under WCAG contrast: the page passes axe (issue 14 item 7).
  deepLinking: false,
  syntaxHighlight: false,
});
// Swagger UI renders a few <select>s without a name (the servers, enum parameters): name them.
new MutationObserver(() => {
  for (const select of document.querySelectorAll("#swagger-ui select:not([aria-label])")) {
    const row = select.closest("tr[data-param-name]");
    select.setAttribute("aria-label", select.id === "servers" ? "Server" : row ? "Value of " + row.getAttribute("data-param-name") : "Choice");
  }
}).observe(document.getElementById("swagger-ui"), { childList: true, subtree: true });
`;

/** Colour overrides for Swagger UI's stylesheet, loaded after it. */
const THEME = `/* Swagger UI colours with WCAG AA contrast (issue 14 item 7): darker method badges, links, badges. */
.swagger-ui .opblock.opblock-get .opblock-summary-method { background: #1d5fa0; }
.swagger-ui .opblock.opblock-post .opblock-summary-method { background: #17734a; }
.swagger-ui .opblock.opblock-put .opblock-summary-method { background: #9a5200; }
.swagger-ui .opblock.opblock-patch .opblock-summary-method { background: #11705f; }
.swagger-ui .opblock.opblock-delete .opblock-summary-method { background: #b02a2a; }
.swagger-ui .opblock.opblock-head .opblock-summary-method, .swagger-ui .opblock.opblock-options .opblock-summary-method { background: #5a606b; }
.swagger-ui .info .title small { background: #5a606b; }
.swagger-ui .info .title small.version-stamp { background: #3f5a00; }
.swagger-ui .info .url, .swagger-ui .info a { color: #1d5fa0; }
.swagger-ui .btn.authorize { color: #17734a; border-color: #17734a; }
.swagger-ui .btn.authorize span { color: #17734a; }
.swagger-ui .btn.authorize svg { fill: #17734a; }
.swagger-ui .parameter__in, .swagger-ui .parameter__deprecated { color: #595959; }
.swagger-ui .json-schema-2020-12-expand-deep-button { color: #4d4d4d; }
`;

export const DOCS_INITIALIZER = "flightdeck-initializer.js";
export const DOCS_THEME = "flightdeck-swagger.css";
export const SWAGGER_UI_VERSION = "5.35.0";

export type DocsAsset = { body: string | Buffer; contentType: string };

const loaded = new Map<string, DocsAsset>();

/** The asset named `file`, or undefined for any name not in the table. */
export function docsAsset(file: string): DocsAsset | undefined {
  if (file === DOCS_INITIALIZER) return { body: INITIALIZER, contentType: "text/javascript; charset=utf-8" };
  if (file === DOCS_THEME) return { body: THEME, contentType: "text/css; charset=utf-8" };
  if (!Object.hasOwn(PACKAGE_FILES, file)) return undefined;
  const name = file as keyof typeof PACKAGE_FILES;
  let asset = loaded.get(name);
  if (!asset) {
    asset = { body: readFileSync(path.join(process.cwd(), "node_modules", "swagger-ui-dist", name)), contentType: PACKAGE_FILES[name] };
    loaded.set(name, asset);
  }
  return asset;
}
