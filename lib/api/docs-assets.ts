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
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  persistAuthorization: false,
});
`;

export const DOCS_INITIALIZER = "flightdeck-initializer.js";
export const SWAGGER_UI_VERSION = "5.35.0";

export type DocsAsset = { body: string | Buffer; contentType: string };

const loaded = new Map<string, DocsAsset>();

/** The asset named `file`, or undefined for any name not in the table. */
export function docsAsset(file: string): DocsAsset | undefined {
  if (file === DOCS_INITIALIZER) return { body: INITIALIZER, contentType: "text/javascript; charset=utf-8" };
  if (!Object.hasOwn(PACKAGE_FILES, file)) return undefined;
  const name = file as keyof typeof PACKAGE_FILES;
  let asset = loaded.get(name);
  if (!asset) {
    asset = { body: readFileSync(path.join(process.cwd(), "node_modules", "swagger-ui-dist", name)), contentType: PACKAGE_FILES[name] };
    loaded.set(name, asset);
  }
  return asset;
}
