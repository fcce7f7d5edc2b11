"use server";

import { defineAction } from "@/lib/actions/define-action";
import { actionItemDoneInput, actionItemInput, postmortemInput } from "@/lib/domain/incidents/postmortem";
import { addPostmortemActionItem } from "@/lib/services/incidents/add-postmortem-action-item";
import { completePostmortemActionItem } from "@/lib/services/incidents/complete-postmortem-action-item";
import { publishPostmortem } from "@/lib/services/incidents/publish-postmortem";
import { savePostmortem } from "@/lib/services/incidents/save-postmortem";

// Everyone may read incidents; who may write the postmortem (incident.manage or the incident's
// commander, and an item's owner for marking it done) is decided by the services from the database.
const pages = ["/incidents", "/"];

export const savePostmortemAction = defineAction({
  name: "postmortem.save",
  permission: "incident.read",
  input: postmortemInput,
  run: ({ actor, input, requestId }) => ({ id: savePostmortem(actor, input, requestId).incidentId }),
  revalidate: pages,
});

export const publishPostmortemAction = defineAction({
  name: "postmortem.publish",
  permission: "incident.read",
  input: postmortemInput,
  run: ({ actor, input, requestId }) => ({ id: publishPostmortem(actor, input, requestId).incidentId }),
  revalidate: pages,
});

export const addPostmortemActionItemAction = defineAction({
  name: "postmortem.action_item_add",
  permission: "incident.read",
  input: actionItemInput,
  run: ({ actor, input, requestId }) => ({ id: addPostmortemActionItem(actor, input, requestId).id }),
  revalidate: pages,
});

export const completePostmortemActionItemAction = defineAction({
  name: "postmortem.action_item_done",
  permission: "incident.read",
  input: actionItemDoneInput,
  run: ({ actor, input, requestId }) => ({ id: completePostmortemActionItem(actor, input, requestId).id }),
  revalidate: pages,
});
