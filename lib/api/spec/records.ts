import type { OperationSpec } from "../operation-spec";

/** Read-only records: approvals, audit (filtered, paged, export), metrics and decisions. */
export const RECORD_OPERATIONS: OperationSpec[] = [];
