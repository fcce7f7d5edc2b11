"use server";

import { defineAction } from "@/lib/actions/define-action";
import { channelIdInput, createChannelInput, subscribeInput, unsubscribeInput, updateChannelInput } from "@/lib/domain/notifications/channels";
import { templateInput } from "@/lib/domain/notifications/templates";
import { createChannel } from "@/lib/services/notifications/create-channel";
import { deleteChannel } from "@/lib/services/notifications/delete-channel";
import { sendTestNotification } from "@/lib/services/notifications/send-test-notification";
import { subscribeChannel } from "@/lib/services/notifications/subscribe-channel";
import { unsubscribeChannel } from "@/lib/services/notifications/unsubscribe-channel";
import { updateChannel } from "@/lib/services/notifications/update-channel";
import { updateTemplate } from "@/lib/services/notifications/update-template";

const revalidate = ["/settings/notifications"];
const permission = "notification.manage";

export const createChannelAction = defineAction({
  name: "notification.channel_create",
  permission,
  input: createChannelInput,
  run: ({ actor, input, requestId }) => createChannel(actor, input, requestId),
  revalidate,
});

export const updateChannelAction = defineAction({
  name: "notification.channel_update",
  permission,
  input: updateChannelInput,
  run: ({ actor, input, requestId }) => updateChannel(actor, input, requestId),
  revalidate,
});

export const deleteChannelAction = defineAction({
  name: "notification.channel_delete",
  permission,
  input: channelIdInput,
  run: ({ actor, input, requestId }) => deleteChannel(actor, input, requestId),
  revalidate,
});

export const subscribeAction = defineAction({
  name: "notification.subscribe",
  permission,
  input: subscribeInput,
  run: ({ actor, input, requestId }) => subscribeChannel(actor, input, requestId),
  revalidate,
});

export const unsubscribeAction = defineAction({
  name: "notification.unsubscribe",
  permission,
  input: unsubscribeInput,
  run: ({ actor, input, requestId }) => unsubscribeChannel(actor, input, requestId),
  revalidate,
});

export const updateTemplateAction = defineAction({
  name: "notification.template_update",
  permission,
  input: templateInput,
  run: ({ actor, input, requestId }) => updateTemplate(actor, input, requestId),
  revalidate,
});

/** Queues a test message; the worker delivers it and the delivery log shows the channel's answer. */
export const sendTestAction = defineAction({
  name: "notification.test",
  permission,
  input: channelIdInput,
  run: ({ actor, input, requestId }) => sendTestNotification(actor, input, requestId),
  revalidate,
});
