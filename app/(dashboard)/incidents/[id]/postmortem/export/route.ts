import { getDb } from "@/db/client";
import { jsonError, withRoute } from "@/lib/auth/route";
import { postmortemFileName, postmortemMarkdown } from "@/lib/domain/incidents/postmortem";
import { loadPostmortem } from "@/lib/views/postmortem";

export const dynamic = "force-dynamic";

/** The postmortem as a Markdown download (L3): whoever may read incidents; 404 for an unknown incident. */
export const GET = withRoute<{ params: Promise<{ id: string }> }>("postmortem.export", "incident.read", async (_req, { params }) => {
  const { id } = await params;
  const view = /^\d+$/.test(id) ? loadPostmortem(getDb(), Number(id)) : undefined;
  if (!view) return jsonError(404, "NOT_FOUND", "Incident was not found.");
  return new Response(postmortemMarkdown(view.document, view.now), {
    headers: {
      "content-type": "text/markdown; charset=utf-8",
      "content-disposition": `attachment; filename="${postmortemFileName(view.incident.id)}"`,
      "cache-control": "no-store",
    },
  });
});
