/**
 * Alerts and tasks are stored under string `_id`s. The API names a resource's identity `id`, as
 * disclosures, requests and staff have it; `_id` stays beside it for one release (deprecated) so
 * that clients written against it keep working while they move.
 */
export function withId<T extends { _id: string }>(record: T): T & { id: string } {
  return { id: record._id, ...record };
}
