"use server";

import { defineAction } from "@/lib/actions/define-action";
import { incidentCommanderInput, incidentNoteInput, incidentSeverityInput, incidentStatusInput, openIncidentInput } from "@/lib/domain/incidents/inputs";
import { addIncidentNote } from "@/lib/services/incidents/add-incident-note";
import { changeIncidentStatus } from "@/lib/services/incidents/change-incident-status";
import { openIncident } from "@/lib/services/incidents/open-incident";
import { setIncidentCommander } from "@/lib/services/incidents/set-incident-commander";
import { setIncidentSeverity } from "@/lib/services/incidents/set-incident-severity";

const pages = ["/incidents", "/"];

export const openIncidentAction = defineAction({
  name: "incident.open",
  permission: "incident.manage",
  input: openIncidentInput,
  run: ({ actor, input, requestId }) => ({ id: openIncident(actor, input, requestId).id }),
  revalidate: [...pages, "/security"],
});

export const acknowledgeIncidentAction = defineAction({
  name: "incident.acknowledge",
  permission: "incident.acknowledge",
  input: incidentStatusInput.omit({ to: true }),
  run: ({ actor, input, requestId }) => ({ id: changeIncidentStatus(actor, { ...input, to: "acknowledged" }, requestId).id }),
  revalidate: pages,
});

export const advanceIncidentAction = defineAction({
  name: "incident.advance",
  permission: "incident.manage",
  input: incidentStatusInput,
  run: ({ actor, input, requestId }) => ({ id: changeIncidentStatus(actor, input, requestId).id }),
  revalidate: pages,
});

export const setIncidentSeverityAction = defineAction({
  name: "incident.severity_change",
  permission: "incident.manage",
  input: incidentSeverityInput,
  run: ({ actor, input, requestId }) => ({ id: setIncidentSeverity(actor, input, requestId).id }),
  revalidate: [...pages, "/security"],
});

export const setIncidentCommanderAction = defineAction({
  name: "incident.commander_set",
  permission: "incident.manage",
  input: incidentCommanderInput,
  run: ({ actor, input, requestId }) => ({ id: setIncidentCommander(actor, input, requestId).id }),
  revalidate: pages,
});

export const addIncidentNoteAction = defineAction({
  name: "incident.note",
  permission: "incident.manage",
  input: incidentNoteInput,
  run: ({ actor, input, requestId }) => ({ id: addIncidentNote(actor, input, requestId).id }),
  revalidate: pages,
});
