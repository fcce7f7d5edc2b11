import { randomUUID } from "node:crypto";
import { EXIT, type ExitCode, exitForProblem } from "./exit-codes";

/** An RFC 9457 problem as the API answers it (lib/api/problem.ts); every field but status may be missing. */
export interface Problem {
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  requestId?: string;
  reasons?: string[];
  requires?: string[];
  fieldErrors?: Record<string, string[]>;
}

/** An error the CLI reports and exits with: a message (never a stack trace) and its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** The API's problem, when the error is one (printed with its reasons, requires and field errors). */
    readonly problem?: Problem,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ClientOptions {
  /** Flightdeck's base URL, e.g. http://localhost:3000 (a path prefix is kept). */
  url: string;
  token: string;
  /** Replaces global fetch (the in-process tests call the route handlers through it). */
  fetch?: (req: Request) => Promise<Response>;
  /** Attempts per request when the network fails or the API answers 429 (the same Idempotency-Key each time). */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Reads a problem out of an error answer, whatever its body is. */
export async function problemOf(res: Response): Promise<Problem> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await res.text());
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    // not JSON (a proxy's error page): status only
  }
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  const strings = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? v : undefined);
  return {
    status: res.status,
    code: str(body.code),
    title: str(body.title),
    detail: str(body.detail) ?? str(body.message),
    requestId: str(body.requestId),
    reasons: strings(body.reasons),
    requires: strings(body.requires),
    fieldErrors: body.fieldErrors && typeof body.fieldErrors === "object" ? (body.fieldErrors as Record<string, string[]>) : undefined,
  };
}

/** The error for a problem answer: its exit code and a one-line summary (the rest is printed from the problem). */
export function problemError(problem: Problem): CliError {
  const what = problem.detail ?? problem.title ?? `HTTP ${problem.status}`;
  return new CliError(exitForProblem(problem.status, problem.code), what, problem);
}

/** The base URL without trailing slashes, or a usage error naming what is wrong. */
export function normalizeBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(EXIT.usage, `Not a URL: ${JSON.stringify(url)} (set FLIGHTDECK_URL or --url, e.g. http://localhost:3000).`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new CliError(EXIT.usage, `Use an http(s) URL, not ${parsed.protocol} (${url}).`);
  return parsed.href.replace(/\/+$/, "");
}

/**
 * Talks to Flightdeck's HTTP API, never to its database. Every POST carries an Idempotency-Key
 * (one UUID per call), reused when a network error or a 429 makes it try again, so a retried
 * canary start starts one rollout. Error answers become CliErrors with their exit code.
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchFn: (req: Request) => Promise<Response>;
  private readonly attempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: ClientOptions) {
    this.baseUrl = normalizeBaseUrl(opts.url);
    this.fetchFn = opts.fetch ?? ((req) => fetch(req));
    this.attempts = opts.attempts ?? 4;
    this.sleep = opts.sleep ?? sleepMs;
  }

  /** Absolute URL of an API path ("/api/v1/rollouts/3"), keeping the base URL's own path. */
  urlOf(path: string): string {
    return /^https?:\/\//.test(path) ? path : `${this.baseUrl}${path.startsWith("/") ? "" : "/"}${path}`;
  }

  get<T>(path: string, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.request<T>("GET", path, { headers });
  }

  post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.request<T>("POST", path, { body, headers: { "idempotency-key": randomUUID(), ...headers } });
  }

  private async request<T>(method: string, path: string, opts: { body?: unknown; headers: Record<string, string> }): Promise<ApiResponse<T>> {
    const url = this.urlOf(path);
    const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${this.opts.token}`, ...opts.headers };
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    for (let attempt = 1; ; attempt++) {
      let res: Response;
      try {
        res = await this.fetchFn(new Request(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }));
      } catch (err) {
        if (attempt < this.attempts) {
          await this.sleep(250 * 2 ** attempt);
          continue;
        }
        throw new CliError(EXIT.unreachable, `Could not reach ${url}: ${networkCause(err)}.`);
      }
      if (res.status === 429 && attempt < this.attempts) {
        await this.sleep(Math.min(30, Number(res.headers.get("retry-after")) || 1) * 1000);
        continue;
      }
      if (res.status >= 400) throw problemError(await problemOf(res));
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        throw new CliError(EXIT.unreachable, `${url} answered ${res.status} with something that is not JSON; is FLIGHTDECK_URL Flightdeck?`);
      }
      return { status: res.status, headers: res.headers, body: body as T };
    }
  }
}

/** The reason a fetch failed, in words (undici hides it in `cause`). */
export function networkCause(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = cause && typeof cause === "object" && "code" in cause ? String(cause.code) : undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}
