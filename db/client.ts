import "server-only";

export { getDb, getSqlite } from "./connection";
export type { Db, Tx, Executor } from "./connection";
