import "server-only";
import type { Db } from "@/db/connection";
import type { ProviderConfig } from "@/lib/domain/analysis/config";
import { createBuiltinProvider } from "./builtin";
import { createPrometheusProvider } from "./prometheus";
import type { MetricProvider } from "./types";

/** Chooses the metric provider from a service's validated analysis config (DESIGN rule 10). */
export function providerFor(db: Db, cfg: ProviderConfig): MetricProvider {
  switch (cfg.kind) {
    case "builtin":
      return createBuiltinProvider(db);
    case "prometheus":
      return createPrometheusProvider(cfg);
  }
}
