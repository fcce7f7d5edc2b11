import { describe, expect, it } from "vitest";
import { DOCS_INITIALIZER, DOCS_THEME, SWAGGER_UI_VERSION, docsAsset } from "@/lib/api/docs-assets";
import { GET as openApiRoute } from "@/app/api/openapi.json/route";

const assetRoute = (await import("@/app/api-docs/assets/[file]/route")).GET;
const fetchAsset = (file: string) => assetRoute(new Request(`http://localhost/api-docs/assets/${encodeURIComponent(file)}`), { params: Promise.resolve({ file }) });

describe("the API reference's files (/api-docs/assets/{file}) and the document (/api/openapi.json)", () => {
  it("serves Swagger UI from the installed swagger-ui-dist package, and our initializer pointing at /api/openapi.json", async () => {
    const pkg = (await import("swagger-ui-dist/package.json", { with: { type: "json" } })).default as { version: string };
    expect(pkg.version).toBe(SWAGGER_UI_VERSION);
    const css = await fetchAsset("swagger-ui.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(css.headers.get("cache-control")).toContain("max-age");
    const bundle = await fetchAsset("swagger-ui-bundle.js");
    expect(bundle.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await bundle.text()).toContain("SwaggerUIBundle");
    const init = await (await fetchAsset(DOCS_INITIALIZER)).text();
    expect(init).toContain('url: "/api/openapi.json"');
    // Nothing from the internet: no petstore, no online validator.
    expect(init).not.toMatch(/https?:/);
    expect(init).toContain("validatorUrl: null");
    // Accessibility fixes (issue 14 item 7): no links nested in buttons, every <select> named,
    // and a theme with AA contrast loaded after Swagger UI's own stylesheet.
    expect(init).toContain("deepLinking: false");
    expect(init).toContain('setAttribute("aria-label"');
    const theme = await fetchAsset(DOCS_THEME);
    expect(theme.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await theme.text()).toContain(".opblock.opblock-post .opblock-summary-method");
  });

  it("any other name is 404 and reads no file: other package files, paths, prototype names", async () => {
    for (const file of ["package.json", "index.html", "swagger-initializer.js", "../../.env", "..%2F..%2F.env", "/etc/passwd", "__proto__", "constructor", "toString", ""]) {
      expect(docsAsset(file), file).toBeUndefined();
      const res = await fetchAsset(file);
      expect(res.status, file).toBe(404);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    }
  });

  it("GET /api/openapi.json: the document, public (no credentials), cacheable for a while", async () => {
    const res = openApiRoute();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(await res.json()).toMatchObject({ openapi: "3.1.0", info: { title: "Flightdeck REST API" } });
  });
});
