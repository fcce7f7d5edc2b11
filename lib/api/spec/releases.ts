import type { OperationSpec } from "../operation-spec";

/** /api/v1/releases (create, get, list, advance) and starting a rollout. */
export const RELEASE_OPERATIONS: OperationSpec[] = [];
