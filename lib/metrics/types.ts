import type { Snapshot } from "@/lib/domain/analysis/evaluate";
import type { DriverTarget } from "@/lib/drivers/types";

/** What one analysis evaluation asks for: both variants of a target over a window ending at `at`. */
export interface MetricQuery {
  target: DriverTarget;
  canaryVersion: string;
  baselineVersion: string;
  windowSeconds: number;
  /** Epoch milliseconds: the end of the window. */
  at: number;
  /** Epoch milliseconds the current step began: `snapshot.step` counts from here to `at`. */
  stepStartedAt: number;
}

/**
 * A source of canary and baseline metrics (REQUIREMENTS I1, DESIGN rule 10). Implementations
 * throw on any provider failure; they never invent values (a variant without data is null).
 */
export interface MetricProvider {
  /** Provider name for logs and decision records. */
  readonly name: string;
  /** Per-variant values over the window (null for a variant without data), plus judge series where available. */
  snapshot(q: MetricQuery): Promise<Snapshot>;
}
