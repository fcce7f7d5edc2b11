import type { CliError } from "./client";
import { type Progress, errorLines, formatProgress, progressKey } from "./format";

export type OutputMode = "json" | "tty" | "plain";

interface Stream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** A terminal's width: a longer progress line would wrap, and `\r` rewrites only its last row. */
  columns?: number;
}

/** --json wins; otherwise a terminal gets a progress line rewritten in place, anything else plain lines. */
export function outputMode(json: boolean | undefined, out: Stream): OutputMode {
  if (json) return "json";
  return out.isTTY ? "tty" : "plain";
}

/** Plain output repeats an unchanged progress line this often, so a CI log shows the hold counting down. */
const PLAIN_HEARTBEAT_MS = 15_000;

/**
 * Everything the CLI prints goes through here. `--json`: one JSON object per line per event on
 * stdout (errors too), nothing else. Otherwise: lines for people on stdout, errors on stderr.
 */
export class Reporter {
  private lastKey = "";
  private lastPrinted = 0;
  private progressShown = false;

  constructor(
    readonly mode: OutputMode,
    private readonly out: Stream = process.stdout,
    private readonly err: Stream = process.stderr,
    private readonly now: () => number = Date.now,
  ) {}

  /** One event: its JSON object, or its lines for people. */
  event(event: string, data: Record<string, unknown>, lines: string | string[]): void {
    if (this.mode === "json") {
      this.out.write(`${JSON.stringify({ event, ...data })}\n`);
      return;
    }
    this.endProgressLine();
    for (const line of typeof lines === "string" ? [lines] : lines) this.out.write(`${line}\n`);
  }

  /** A progress tick: rewritten in place on a TTY; a line (or JSON event) when something changed. */
  progress(p: Progress): void {
    const key = progressKey(p);
    const changed = key !== this.lastKey;
    this.lastKey = key;
    if (this.mode === "tty") {
      const line = formatProgress(p);
      const width = this.out.columns ?? Infinity;
      this.out.write(`\r\x1b[2K${line.length < width ? line : `${line.slice(0, width - 2)}…`}`);
      this.progressShown = true;
      return;
    }
    const heartbeat = this.mode === "plain" && p.holdLeftMs !== null && this.now() - this.lastPrinted >= PLAIN_HEARTBEAT_MS;
    if (!changed && !heartbeat) return;
    this.lastPrinted = this.now();
    if (this.mode === "json") this.out.write(`${JSON.stringify({ event: "progress", ...p })}\n`);
    else this.out.write(`${formatProgress(p)}\n`);
  }

  /** The error the command ends with (no stack trace, ever). */
  error(err: CliError): void {
    if (this.mode === "json") {
      this.out.write(`${JSON.stringify({ event: "error", exitCode: err.exitCode, message: err.message, ...(err.problem ? { problem: err.problem } : {}) })}\n`);
      return;
    }
    this.endProgressLine();
    for (const line of errorLines(err)) this.err.write(`${line}\n`);
  }

  private endProgressLine(): void {
    if (!this.progressShown) return;
    this.out.write("\n");
    this.progressShown = false;
  }
}
