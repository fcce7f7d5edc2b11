/** One factory for react-query keys (DESIGN rule 13): actions invalidate exactly what they change. */
export const queryKeys = {
  rollout: (id: number) => ["rollout", id] as const,
};
