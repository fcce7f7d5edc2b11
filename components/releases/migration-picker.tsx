"use client";

import { useEffect, useRef, useState } from "react";
import { CheckboxGroup } from "@/components/ui/action-form";

export interface ServiceCatalog {
  serviceId: string;
  service: string;
  migrations: { value: string; label: string }[];
}

/**
 * The release's migrations, picked by name from its service's catalog (defined by an admin in
 * the service's settings; a release cannot carry a command). Follows the form's service select:
 * only that service's list is shown and submitted (the others sit in disabled fieldsets).
 */
export function MigrationPicker({ catalogs, serviceField = "serviceId" }: { catalogs: ServiceCatalog[]; serviceField?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState(catalogs[0]?.serviceId ?? "");
  useEffect(() => {
    const select = ref.current?.closest("form")?.elements.namedItem(serviceField);
    if (!(select instanceof HTMLSelectElement)) return;
    const sync = () => setSelected(select.value);
    sync();
    select.addEventListener("change", sync);
    return () => select.removeEventListener("change", sync);
  }, [serviceField]);
  return (
    <div ref={ref}>
      {catalogs.map((c) => {
        const shown = c.serviceId === selected;
        return (
          <fieldset key={c.serviceId} disabled={!shown} hidden={!shown} data-service={c.service}>
            {c.migrations.length > 0 ? (
              <CheckboxGroup name="migrations" legend={`Migrations of ${c.service} (defined by an admin in the service's settings; expand before the rollout, contract after)`} options={c.migrations} />
            ) : (
              <p className="text-sm text-slate-600">{c.service} defines no migrations; an admin adds them in the service&apos;s settings.</p>
            )}
          </fieldset>
        );
      })}
    </div>
  );
}
