/**
 * Mergeable latency histograms (REQUIREMENTS I1, I6). Placeholder contract; implemented by the
 * histogram work (see its doc comments once filled in).
 */
export interface LatencyHistogram {
  /** Ascending bucket upper bounds in ms (the last may be Infinity). */
  bounds: number[];
  /** Requests per bucket (not cumulative), same length as bounds. */
  counts: number[];
}
