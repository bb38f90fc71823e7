/**
 * The public web page of a disclosure (api/site), which every channel links to: feeds, Weibo
 * posts, official-account messages and webhooks. A revision number names an earlier version.
 */
export function disclosurePermalink(baseUrl: string, id: string, revision?: number): string {
  return `${baseUrl.replace(/\/+$/, '')}/disclosures/${id}${revision ? `?revision=${revision}` : ''}`;
}
