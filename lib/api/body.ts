import type { z } from "zod";
import { InvalidError } from "@/lib/errors";
import { refusal } from "./problem";

/** The largest JSON body the API reads (REQUIREMENTS N1); bigger ones are 413 before parsing. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** An answer a reader decided on (415, 413, 400...): withApiRoute returns it, audited like any refusal. */
export class ApiRefusal extends Error {
  constructor(readonly response: Response) {
    super("api refusal");
    this.name = "ApiRefusal";
  }
}

async function readCapped(req: Request, max: number): Promise<string | null> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > max) return null;
  if (!req.body) return "";
  // A chunked body has no length up front: count while reading and stop past the cap.
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The raw body, or a 413 refusal past `max` bytes (declared or counted while reading). */
export async function readBodyText(req: Request, max = MAX_JSON_BODY_BYTES): Promise<string> {
  const text = await readCapped(req, max);
  if (text === null) throw new ApiRefusal(refusal(413, "INVALID", `The request body is larger than ${max} bytes.`));
  return text;
}

/**
 * Validates a JSON body already read: a body with another content type is 415, not JSON 400,
 * and a schema failure INVALID with field errors. An empty body (no content, any content type)
 * reads as `{}`, so `curl -X POST` works for commands without options.
 */
export function parseJsonBody<S extends z.ZodType>(text: string, contentType: string | null, schema: S): z.output<S> {
  let value: unknown = {};
  if (text.trim() !== "") {
    const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/json" && !mediaType?.endsWith("+json")) {
      throw new ApiRefusal(refusal(415, "INVALID", "Send the request body as application/json."));
    }
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiRefusal(refusal(400, "INVALID", "The request body is not valid JSON."));
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw InvalidError.fromIssues(parsed.error.issues);
  return parsed.data;
}

/** Reads (at most 1 MB: 413) and validates a JSON request body (parseJsonBody). */
export async function readJsonBody<S extends z.ZodType>(req: Request, schema: S, max = MAX_JSON_BODY_BYTES): Promise<z.output<S>> {
  return parseJsonBody(await readBodyText(req, max), req.headers.get("content-type"), schema);
}
