// Types of latency-hist.mjs (the router's copy of the domain's bucket formula).
export declare const SUB_BUCKETS: number;
export declare const MIN_MS: number;
export declare const MAX_MS: number;
export declare function bucketIndex(ms: number): number;
export declare function sparseOf(latencies: Iterable<number>): Record<string, number>;
export declare const UPSERT_SAMPLE_SQL: string;
