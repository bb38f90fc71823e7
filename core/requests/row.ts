import type { WorkCalendar } from '../calendar/types.ts';
import type { RequestRow } from '../read-model/request-types.ts';
import { requestClock } from './clock.ts';
import { reportRowOf } from './decisions.ts';
import type { InfoRequestRecord } from './request.model.ts';

/** The projection's line of a request: its clock and outcome, and nothing personal. */
export function requestRow(doc: InfoRequestRecord, calendar: WorkCalendar): RequestRow {
  const clock = requestClock(doc.events, calendar);
  const row: RequestRow = {
    id: doc._id,
    version: doc.version,
    agencyCode: doc.agencyCode,
    channel: doc.channel,
    requesterType: doc.requester.type,
    state: clock.state,
    submittedAt: doc.submittedAt.getTime(),
    extendedDays: clock.extendedDays,
    updatedAt: doc.updatedAt.getTime(),
  };
  if (doc.residentId) row.residentId = doc.residentId;
  if (clock.receivedOn) row.receivedOn = clock.receivedOn;
  if (clock.dueOn) row.dueOn = clock.dueOn;
  if (clock.dueAt) row.dueAt = clock.dueAt.getTime();
  if (clock.correctionAskBy) row.correctionAskBy = clock.correctionAskBy;
  if (clock.correctionDueOn) row.correctionDueOn = clock.correctionDueOn;
  if (clock.closedOn) {
    row.closedOn = clock.closedOn;
    row.reportRow = reportRowOf({ decision: doc.reply?.decision, reason: doc.reply?.reason });
  }
  if (doc.reply) {
    row.decision = doc.reply.decision;
    if (doc.reply.reason) row.reason = doc.reply.reason;
  }
  if (clock.onTime !== undefined) row.onTime = clock.onTime;
  return row;
}
