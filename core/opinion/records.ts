import type { Connection } from 'mongoose';
import { NotFoundError } from '../errors.ts';
import { opinionAlertCollection, type OpinionAlertRecord } from '../models/opinion-alert.model.ts';
import { responseTaskCollection, type ResponseTaskRecord } from '../models/response-task.model.ts';

/** One alert of the agency by its `_id`; another agency's is as absent as a missing one. */
export async function alertOf(db: Connection, agencyCode: string, alertId: string): Promise<OpinionAlertRecord> {
  const alert = await opinionAlertCollection(db).findOne({ _id: alertId });
  if (!alert || alert.agencyCode !== agencyCode) throw new NotFoundError(`no alert ${alertId}`);
  return alert;
}

/** One response task of the agency by its `_id`, with its events; another agency's is 404. */
export async function taskOf(db: Connection, agencyCode: string, taskId: string): Promise<ResponseTaskRecord> {
  const task = await responseTaskCollection(db).findOne({ _id: taskId });
  if (!task || task.agencyCode !== agencyCode) throw new NotFoundError(`no task ${taskId}`);
  return task;
}
