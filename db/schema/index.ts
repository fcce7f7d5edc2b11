export * from "./auth";
export * from "./catalog";
export * from "./audit";
export * from "./rollouts";
export * from "./governance";
export * from "./analysis";
export * from "./api";
export * from "./incidents";
