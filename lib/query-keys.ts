/** One factory for react-query keys (DESIGN rule 13): actions invalidate exactly what they change. */
export const queryKeys = {
  rollout: (id: number) => ["rollout", id] as const,
  /** Under the rollout's key: invalidating a rollout refreshes its charts too. */
  rolloutMetrics: (id: number, window: string) => ["rollout", id, "metrics", window] as const,
};
