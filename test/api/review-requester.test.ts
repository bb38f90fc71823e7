import { describe, expect, it } from 'vitest';
import { updateAgency } from '../../core/agencies/agencies.ts';
import { createApiKey } from '../../core/agencies/api-keys.ts';
import { createStaff } from '../../core/staff/staff-accounts.ts';
import { signIn, staffWorld } from '../console/staff-world.ts';
import { allocationResult } from '../helpers/registry.ts';

const w = await staffWorld('review_requester');
const HD = 'bj-haidian-zjw';
await updateAgency(w.db, HD, { requireReview: true });
const named = await createStaff(w.db, { agencyCode: HD, username: 'hd-zhang', role: 'publisher', displayName: '张科员' });
const unnamed = await createStaff(w.db, { agencyCode: HD, username: 'hd-li', role: 'publisher' });
const cms = await createApiKey(w.db, { agencyCode: HD, role: 'publisher', label: '区政府网站 CMS' });
const reviewer = await w.account('hd-checker', HD, 'reviewer');

/** A draft submitted for review by whoever `auth` and `csrf` authenticate. */
async function submit(title: string, headers: Record<string, string>) {
  const created = await w.http().post('/api/v1/disclosures').set(headers).send(allocationResult({ title }));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  await w.http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(headers).send({}).expect(202);
  return created.body.id as string;
}
const session = async (username: string, password: string) => {
  const s = await signIn(w.http, username, password);
  return { Cookie: s.cookie, 'X-CSRF-Token': s.csrf };
};

describe('the review queue names who asked', () => {
  it('gives a staff member’s username and display name, and an API key’s label, beside the raw id', async () => {
    const byNamed = await submit('张科员提交的分配结果', await session('hd-zhang', named.password));
    const byUnnamed = await submit('李科员提交的分配结果', await session('hd-li', unnamed.password));
    const byKey = await submit('CMS 提交的分配结果', { Authorization: `Bearer ${cms.apiKey}` });

    const res = await w.http().get('/api/v1/agency/reviews').set(await session(reviewer.username, reviewer.password)).expect(200);
    const review = (id: string) => (res.body.items as { id: string; review: Record<string, unknown> }[]).find((i) => i.id === id)!.review;
    expect(review(byNamed)).toMatchObject({ requestedBy: 'staff:hd-zhang', requester: { kind: 'staff', username: 'hd-zhang', displayName: '张科员' } });
    expect(review(byUnnamed)).toMatchObject({ requestedBy: 'staff:hd-li', requester: { kind: 'staff', username: 'hd-li' } });
    expect(review(byUnnamed).requester).not.toHaveProperty('displayName');
    expect(review(byKey)).toMatchObject({ requestedBy: cms.keyId, requester: { kind: 'key', keyId: cms.keyId, label: '区政府网站 CMS' } });
    // Nothing of the account beyond its name: no hash, no role, no epoch.
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|"password"|"epoch"/);
  });

  it('shows another agency nothing of this one’s queue', async () => {
    const res = await w.http().get('/api/v1/agency/reviews').set(w.chaoyangKey.auth).expect(200);
    expect(res.body.items).toEqual([]);
  });
});
