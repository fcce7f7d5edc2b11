import type { Metadata } from "next";
import { formatTime } from "@/lib/domain/format";
import { AutoRefresh } from "@/components/layout/auto-refresh";
import { ActionForm, Checkbox, Field } from "@/components/ui/action-form";
import { Card, EmptyState, PageHeader } from "@/components/ui/page-header";
import { getDb } from "@/db/client";
import { listEnvironments, listServices } from "@/db/queries/catalog";
import { authorizePage } from "@/lib/auth/session";
import { CHANNEL_KINDS, CHANNEL_KIND_LABELS } from "@/lib/domain/notifications/channels";
import { DELIVERY_POLICY } from "@/lib/domain/notifications/delivery";
import { EVENT_KINDS, EVENT_LABELS, type EventKind } from "@/lib/domain/notifications/events";
import { type NotificationSettings, notificationSettings } from "@/lib/services/notifications/notification-settings";
import { createChannelAction, deleteChannelAction, sendTestAction, subscribeAction, unsubscribeAction, updateChannelAction, updateTemplateAction } from "./actions";

export const metadata: Metadata = { title: "Chat notifications" };

const kindOptions = CHANNEL_KINDS.map((k) => ({ value: k, label: CHANNEL_KIND_LABELS[k] }));
const eventLabel = (kind: string) => (EVENT_KINDS as readonly string[]).includes(kind) ? EVENT_LABELS[kind as EventKind] : kind === "test" ? "Test message" : kind;

const STATUS_STYLE = { pending: "bg-amber-100 text-amber-900", delivered: "bg-emerald-100 text-emerald-900", failed: "bg-red-100 text-red-900" } as const;

type Channel = NotificationSettings["channels"][number];
type Option = { value: string; label: string };

function ChannelCard({ channel, services, environments }: { channel: Channel; services: Option[]; environments: Option[] }) {
  return (
    <Card title={channel.name} className="mb-4">
      <p className="mb-3 text-sm text-slate-600" data-testid={`channel-${channel.id}-url`}>
        {CHANNEL_KIND_LABELS[channel.kind]} · <span className="font-mono">{channel.url}</span> · {channel.enabled ? "enabled" : <strong>disabled</strong>}
      </p>
      <div className="mb-4 flex flex-wrap gap-3">
        <ActionForm action={sendTestAction} submitLabel="Send test" pendingLabel="Queuing…" variant="secondary" successMessage="Queued: see the delivery log below." className="flex items-center gap-2" aria-label={`Send test to ${channel.name}`}>
          <input type="hidden" name="channelId" value={channel.id} />
        </ActionForm>
        <ActionForm action={deleteChannelAction} submitLabel="Delete channel" toast={`Channel ${channel.name} deleted.`} pendingLabel="Deleting…" variant="danger" confirm={`Delete the channel “${channel.name}” with its subscriptions and delivery log?`} className="flex items-center gap-2" aria-label={`Delete ${channel.name}`}>
          <input type="hidden" name="channelId" value={channel.id} />
        </ActionForm>
      </div>
      <h3 className="mb-2 text-sm font-semibold">Subscriptions</h3>
      {channel.subscriptions.length === 0 ? (
        <p className="mb-3 text-sm text-slate-500">This channel hears nothing yet.</p>
      ) : (
        <ul className="mb-3 space-y-1 text-sm">
          {channel.subscriptions.map((s) => (
            <li key={s.id} className="flex flex-wrap items-center gap-2">
              <span>
                {eventLabel(s.eventKind)} · {s.service ?? "every service"} · {s.environment ?? "every environment"}
              </span>
              <ActionForm action={unsubscribeAction} submitLabel="Remove" toast="Subscription removed." pendingLabel="Removing…" variant="secondary" className="flex items-center gap-2" aria-label={`Remove subscription ${s.id}`}>
                <input type="hidden" name="subscriptionId" value={s.id} />
              </ActionForm>
            </li>
          ))}
        </ul>
      )}
      <ActionForm action={subscribeAction} submitLabel="Subscribe" toast="Subscribed." pendingLabel="Saving…" aria-label={`Subscribe ${channel.name}`}>
        <input type="hidden" name="channelId" value={channel.id} />
        <div className="grid gap-3 sm:grid-cols-3">
          <Field name="eventKind" label="Event" options={EVENT_KINDS.map((k) => ({ value: k, label: EVENT_LABELS[k] }))} />
          <Field name="serviceId" label="Service" options={[{ value: "", label: "Every service" }, ...services]} />
          <Field name="environmentId" label="Environment" options={[{ value: "", label: "Every environment" }, ...environments]} />
        </div>
      </ActionForm>
      <details className="mt-4">
        <summary className="cursor-pointer text-sm font-semibold">Edit channel</summary>
        <ActionForm action={updateChannelAction} submitLabel="Save channel" successMessage="Saved." className="mt-2 space-y-3" aria-label={`Edit ${channel.name}`}>
          <input type="hidden" name="id" value={channel.id} />
          <input type="hidden" name="rowVersion" value={channel.rowVersion} />
          <div className="grid gap-3 sm:grid-cols-3">
            <Field name="name" label="Name" defaultValue={channel.name} maxLength={80} />
            <Field name="kind" label="Kind" defaultValue={channel.kind} options={kindOptions} />
            <Field name="url" label="New webhook URL" maxLength={2000} hint="Leave empty to keep the current URL (it is never shown in full)." />
          </div>
          <Checkbox name="enabled" label="Enabled" defaultChecked={channel.enabled} />
        </ActionForm>
      </details>
    </Card>
  );
}

function DeliveryLog({ messages }: { messages: NotificationSettings["messages"] }) {
  if (messages.length === 0) return <EmptyState>No message has been sent yet.</EmptyState>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full border-collapse text-sm" aria-label="Delivery log">
        <thead className="bg-slate-100 text-left">
          <tr>
            <th className="p-2">Queued (UTC)</th>
            <th className="p-2">Channel</th>
            <th className="p-2">Event</th>
            <th className="p-2">Status</th>
            <th className="p-2">Attempts</th>
            <th className="p-2">Message and attempts</th>
          </tr>
        </thead>
        <tbody>
          {messages.map((m) => (
            <tr key={m.id} className="border-t border-slate-200 align-top" data-testid={`message-${m.id}`}>
              <td className="whitespace-nowrap p-2 font-mono text-xs">{formatTime(m.createdAt)}</td>
              <td className="p-2">{m.channel}</td>
              <td className="p-2">{eventLabel(m.kind)}</td>
              <td className="p-2">
                <span className={`rounded px-1.5 text-xs ${STATUS_STYLE[m.status]}`}>{m.status}</span>
                {m.nextAttemptAt !== null && <div className="text-xs text-slate-500">next attempt {formatTime(m.nextAttemptAt)}</div>}
              </td>
              <td className="p-2">{m.attempts}</td>
              <td className="p-2">
                <p>{m.text}</p>
                {m.lastError && <p className="text-xs text-red-700">{m.lastError}</p>}
                {m.log.length > 0 && (
                  <details>
                    <summary className="cursor-pointer text-xs text-slate-600">Delivery log ({m.log.length})</summary>
                    <ol className="mt-1 space-y-0.5 font-mono text-xs">
                      {m.log.map((a) => (
                        <li key={a.id}>
                          #{a.attempt} {formatTime(a.startedAt)} · {a.statusCode !== null ? `HTTP ${a.statusCode}` : (a.error ?? "no answer")} · {a.durationMs} ms · {a.outcome}
                          {a.retryAt !== null && ` (retry at ${formatTime(a.retryAt)})`}
                        </li>
                      ))}
                    </ol>
                  </details>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default async function NotificationsPage() {
  await authorizePage("notification.manage", "/settings/notifications");
  const db = getDb();
  const view = notificationSettings(db);
  const services = listServices(db).map((s) => ({ value: String(s.id), label: s.name }));
  const environments = listEnvironments(db).map((e) => ({ value: String(e.id), label: e.name }));
  return (
    <>
      <AutoRefresh everyMs={view.messages.some((m) => m.status === "pending") ? 3000 : 0} />
      <PageHeader
        title="Chat notifications"
        description={`Rollouts, rollbacks, approvals, gate blocks and incidents announced in chat. Messages are written with the event they report and delivered by the worker: up to ${DELIVERY_POLICY.maxAttempts} attempts, retried with backoff on network errors, 5xx and 429 (Retry-After honoured), never on other 4xx.`}
      />
      <Card title="Add channel" className="mb-6">
        <ActionForm action={createChannelAction} submitLabel="Add channel" toast="Channel added." pendingLabel="Adding…" resetOnSuccess aria-label="Add channel">
          <div className="grid gap-3 sm:grid-cols-3">
            <Field name="name" label="Name" maxLength={80} hint="e.g. #releases" />
            <Field name="kind" label="Kind" options={kindOptions} />
            <Field name="url" label="Webhook URL" maxLength={2000} hint="http:// or https://; a secret: shown only masked after saving." />
          </div>
        </ActionForm>
      </Card>
      {view.channels.length === 0 ? (
        <EmptyState>No channel yet: add one above, then subscribe it to events.</EmptyState>
      ) : (
        view.channels.map((c) => <ChannelCard key={c.id} channel={c} services={services} environments={environments} />)
      )}
      <Card title="Message templates" className="mb-6">
        <p className="mb-3 text-sm text-slate-600">Variables are written {"{{name}}"}; a template naming a variable its event does not have is refused. Save an empty text to restore the default.</p>
        <div className="space-y-4">
          {view.templates.map((t) => (
            <ActionForm key={t.kind} action={updateTemplateAction} submitLabel="Save template" successMessage="Saved." aria-label={`Template: ${t.label}`}>
              <input type="hidden" name="eventKind" value={t.kind} />
              <Field
                name="body"
                label={`${t.label}${t.isDefault ? " (default)" : ""}`}
                multiline
                rows={2}
                defaultValue={t.body}
                maxLength={2000}
                hint={`Variables: ${t.variables.map((v) => `{{${v}}}`).join(", ")}. Default: ${t.defaultBody}`}
              />
            </ActionForm>
          ))}
        </div>
      </Card>
      <Card title="Delivery log">
        <DeliveryLog messages={view.messages} />
      </Card>
    </>
  );
}
