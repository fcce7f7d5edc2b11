import Link from "next/link";
import { PageHeader } from "@/components/ui/page-header";
import { authorizePage } from "@/lib/auth/session";

export default async function SettingsPage() {
  await authorizePage("user.read", "/settings");
  const sections = [
    { href: "/settings/users", title: "Users and roles", text: "Create accounts, grant and revoke roles, disable accounts." },
    { href: "/settings/services", title: "Services", text: "Services and their deploy targets (driver and settings)." },
    { href: "/settings/environments", title: "Environments", text: "Staging, production and any others you deploy to." },
    { href: "/settings/tokens", title: "API tokens", text: "Your tokens for the CLI and CI; everyone's tokens, to revoke." },
    { href: "/settings/notifications", title: "Chat notifications", text: "Webhook channels, subscriptions, message templates, the delivery log." },
  ];
  return (
    <>
      <PageHeader title="Settings" />
      <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        {sections.map((s) => (
          <li key={s.href}>
            <Link href={s.href} className="block rounded-lg border border-slate-200 bg-white p-4 hover:border-slate-400">
              <span className="font-semibold">{s.title}</span>
              <span className="mt-1 block text-sm text-slate-600">{s.text}</span>
            </Link>
          </li>
        ))}
      </ul>
    </>
  );
}
