import type { Metadata } from "next";
import { headers } from "next/headers";
import { DOCS_INITIALIZER, DOCS_THEME, SWAGGER_UI_VERSION } from "@/lib/api/docs-assets";

export const metadata: Metadata = { title: "API reference" };

const asset = (file: string) => `/api-docs/assets/${file}?v=${SWAGGER_UI_VERSION}`;

/**
 * The REST API reference (issue 11): Swagger UI over /api/openapi.json, served offline from the
 * swagger-ui-dist package (app/api-docs/assets). Public like the document: it holds no data.
 * Its scripts carry this response's CSP nonce (proxy.ts) and run in order (defer).
 */
export default async function ApiDocsPage() {
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <>
      <link rel="stylesheet" href={asset("swagger-ui.css")} />
      <link rel="stylesheet" href={asset(DOCS_THEME)} />
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-3 text-sm">
          <a href="/" className="text-lg font-semibold tracking-tight">
            Flightdeck
          </a>
          <h1 className="font-medium">API reference</h1>
          <a href="/api/openapi.json" className="text-slate-700 underline">
            openapi.json
          </a>
          <a href="/settings/tokens" className="text-slate-700 underline">
            API tokens
          </a>
        </div>
      </header>
      {/* Swagger UI fills this element itself: an (empty) innerHTML keeps React's hydration out of it,
          else hydrating after Swagger rendered would find foreign children and client-render them away. */}
      <main id="swagger-ui" className="mx-auto max-w-7xl" data-testid="api-reference" dangerouslySetInnerHTML={{ __html: "" }} />
      <script nonce={nonce} src={asset("swagger-ui-bundle.js")} defer />
      <script nonce={nonce} src={asset(DOCS_INITIALIZER)} defer />
    </>
  );
}
