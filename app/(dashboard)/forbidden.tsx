"use client";

import { usePathname } from "next/navigation";
import { Forbidden, forbiddenWhat } from "@/components/ui/forbidden";

/** A page refused by authorizePage (forbidden(): HTTP 403), inside the dashboard's header and navigation. */
export default function DashboardForbidden() {
  return <Forbidden what={forbiddenWhat(usePathname())} />;
}
