import { docsAsset } from "@/lib/api/docs-assets";

export const dynamic = "force-dynamic";

/** GET /api-docs/assets/{file}: one of the API reference page's whitelisted files (lib/api/docs-assets.ts); anything else 404. */
export async function GET(_req: Request, ctx: { params: Promise<{ file: string }> }): Promise<Response> {
  const asset = docsAsset((await ctx.params).file);
  if (!asset) return new Response("Not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" } });
  return new Response(new Uint8Array(Buffer.from(asset.body)), {
    headers: { "content-type": asset.contentType, "cache-control": "public, max-age=86400" },
  });
}
