import Link from "next/link";
import { Forbidden } from "@/components/ui/forbidden";

/** forbidden() outside the dashboard (HTTP 403); inside it, app/(dashboard)/forbidden.tsx keeps the navigation. */
export default function RootForbidden() {
  return (
    <main className="mx-auto max-w-xl p-10">
      <Forbidden what="open this page" />
      <Link href="/" className="mt-4 inline-block text-sky-700 underline">
        Back to the overview
      </Link>
    </main>
  );
}
