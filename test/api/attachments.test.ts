import { createHash } from 'node:crypto';
import type request from 'supertest';
import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, MAX_ATTACHMENT_BYTES } from '../../core/attachments/attachment-store.ts';
import { agencyWithKey, allocationResult, BASE_URL } from '../helpers/registry.ts';
import { docxOf, OLE2_BYTES, ofdOf, pdfOf, PNG_BYTES, xlsxOf, zipOf } from '../helpers/sample-files.ts';
import { signIn, staffWorld } from '../console/staff-world.ts';

const w = await staffWorld('attachments');
const { http, db } = w;
const publisher = await w.account('hd-attach', 'bj-haidian-zjw', 'publisher');
const pressKey = await agencyWithKey(db, 'bj-haidian-zjw', 'press');
const reviewerKey = await agencyWithKey(db, 'bj-haidian-zjw', 'reviewer');
const session = await signIn(http, publisher.username, publisher.password);

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const upload = (name: string | undefined, bytes: Buffer, auth: Record<string, string> = { Cookie: session.cookie, 'X-CSRF-Token': session.csrf }) =>
  http()
    .post(`/api/v1/attachments${name === undefined ? '' : `?name=${encodeURIComponent(name)}`}`)
    .set(auth)
    .set('Content-Type', 'application/octet-stream')
    .send(bytes);
/** A download's body as bytes, whatever its type. */
const download = (path: string, auth: Record<string, string> = {}) =>
  http()
    .get(path)
    .set(auth)
    .buffer(true)
    .parse((res, done) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => done(null, Buffer.concat(parts)));
    });
const pathOf = (url: string) => new URL(url).pathname;
const count = (collection: string) => db.collection(collection).countDocuments({});
const problemPaths = (res: request.Response) => (res.body.error.fields as { path: string }[]).map((f) => f.path);

async function publishWith(auth: Record<string, string>, attachments: unknown[], overrides: Record<string, unknown> = {}) {
  const created = await http().post('/api/v1/disclosures').set(auth).send(allocationResult({ attachments, ...overrides }));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const published = await http().post(`/api/v1/disclosures/${created.body.id}/publish`).set(auth);
  expect(published.status, JSON.stringify(published.body)).toBe(200);
  return created.body.id as string;
}

describe('POST /api/v1/attachments', () => {
  const pdf = pdfOf('Allocation list');

  it('stores a PDF for the agency and answers the entry for attachments; the same upload again is the same answer, written once', async () => {
    const res = await upload('分配结果名单.pdf', pdf);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const entry = { name: '分配结果名单.pdf', sha256: sha(pdf), size: pdf.length, contentType: 'application/pdf', url: `${BASE_URL}/attachments/${sha(pdf)}/${encodeURIComponent('分配结果名单.pdf')}` };
    expect(res.body).toEqual(entry);
    expect(await db.collection('attachments').findOne({ _id: sha(pdf) as never })).toMatchObject({ size: pdf.length, contentType: 'application/pdf', chunks: 1, chunkBytes: CHUNK_BYTES });
    expect(await db.collection('attachment_uploads').findOne({ _id: `${sha(pdf)}:bj-haidian-zjw` as never })).toMatchObject({ agencyCode: 'bj-haidian-zjw', keyId: 'staff:hd-attach', name: '分配结果名单.pdf' });
    expect(await db.collection('audit').find({ action: 'attachment.upload', subject: sha(pdf) }).toArray()).toEqual([
      expect.objectContaining({ actor: expect.objectContaining({ kind: 'staff', keyId: 'staff:hd-attach', role: 'publisher' }), agencyCode: 'bj-haidian-zjw', detail: { name: '分配结果名单.pdf', size: pdf.length, contentType: 'application/pdf' } }),
    ]);
    const [chunks, files] = [await count('attachment_chunks'), await count('attachments')];

    const again = await upload('分配结果名单.pdf', pdf);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(entry);
    expect([await count('attachment_chunks'), await count('attachments')]).toEqual([chunks, files]);
    expect(await db.collection('audit').countDocuments({ action: 'attachment.upload', subject: sha(pdf) })).toBe(1);

    // Another agency's upload of the same bytes stores no second copy, but is its own upload.
    const theirs = await upload('名单.pdf', pdf, w.chaoyangKey.auth);
    expect(theirs.status).toBe(201);
    expect(theirs.body.sha256).toBe(sha(pdf));
    expect([await count('attachment_chunks'), await count('attachments')]).toEqual([chunks, files]);
    expect(await db.collection('attachment_uploads').countDocuments({ sha256: sha(pdf) })).toBe(2);
  });

  it('cuts a file larger than a chunk into <sha256>:<n> documents and gives back the same bytes', async () => {
    const big = pdfOf('Big', CHUNK_BYTES * 2 + 12_345);
    const res = await upload('大文件.pdf', big, w.haidianKey.auth);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const ids = (await db.collection('attachment_chunks').find({ _id: { $in: [0, 1, 2, 3].map((n) => `${sha(big)}:${n}`) } as never }, { projection: { _id: 1 } }).toArray()).map((c) => c._id).sort();
    expect(ids).toEqual([0, 1, 2].map((n) => `${sha(big)}:${n}`));
    const got = await download(pathOf(res.body.url), w.haidianKey.auth);
    expect(got.status).toBe(200);
    expect(got.headers['content-length']).toBe(String(big.length));
    expect(sha(got.body as Buffer)).toBe(sha(big));
    expect(Buffer.compare(got.body as Buffer, big)).toBe(0);
    expect(got.headers['accept-ranges']).toBe('bytes');

    // A range across the first chunk boundary, a suffix range, one past the end.
    const across = await download(pathOf(res.body.url), { ...w.haidianKey.auth, Range: `bytes=${CHUNK_BYTES - 5}-${CHUNK_BYTES + 4}` });
    expect(across.status).toBe(206);
    expect(across.headers['content-range']).toBe(`bytes ${CHUNK_BYTES - 5}-${CHUNK_BYTES + 4}/${big.length}`);
    expect(Buffer.compare(across.body as Buffer, big.subarray(CHUNK_BYTES - 5, CHUNK_BYTES + 5))).toBe(0);
    const tail = await download(pathOf(res.body.url), { ...w.haidianKey.auth, Range: 'bytes=-7' });
    expect(tail.status).toBe(206);
    expect(Buffer.compare(tail.body as Buffer, big.subarray(big.length - 7))).toBe(0);
    const past = await download(pathOf(res.body.url), { ...w.haidianKey.auth, Range: `bytes=${big.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${big.length}`);
    expect(past.headers['content-type']).toMatch(/^application\/json/);
  });

  it('recognises Office, OFD, images and zip by their bytes', async () => {
    const cases: [string, Buffer, string][] = [
      ['报名表.docx', docxOf(), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      ['统计表.xlsx', xlsxOf(), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      ['公告.ofd', ofdOf(), 'application/ofd'],
      ['资料.zip', zipOf({ 'a.txt': 'a' }), 'application/zip'],
      ['现场.png', PNG_BYTES, 'image/png'],
      ['旧版通知.wps', OLE2_BYTES, 'application/vnd.ms-works'],
    ];
    for (const [name, bytes, contentType] of cases) {
      const res = await upload(name, bytes);
      expect(res.status, name).toBe(201);
      expect(res.body.contentType, name).toBe(contentType);
    }
  });

  it('refuses content of another kind (415), a name that does not match its content or is missing (400), and more than 20 MB (413), writing nothing', async () => {
    const before = [await count('attachment_chunks'), await count('attachments'), await count('attachment_uploads')];
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200)]);
    const renamed = await upload('通知.pdf', exe);
    expect(renamed.status).toBe(415);
    expect(renamed.body.error.code).toBe('unsupported_media_type');
    expect(problemPaths(renamed)).toEqual(['(body)']);
    // A Windows installer is an OLE2 file like .doc: its name does not make it one.
    expect((await upload('setup.msi', OLE2_BYTES)).status).toBe(415);
    expect((await upload('说明.txt', Buffer.from('纯文本'))).status).toBe(415);
    const json = await http().post('/api/v1/attachments?name=a.pdf').set({ Cookie: session.cookie, 'X-CSRF-Token': session.csrf }).send({ file: 'x' });
    expect(json.status).toBe(415);
    expect(problemPaths(json)).toEqual(['Content-Type']);

    const mismatch = await upload('名单.docx', pdf);
    expect(mismatch.status).toBe(400);
    expect(problemPaths(mismatch)).toEqual(['name']);
    expect(mismatch.body.error.fields[0].message).toContain('.pdf');
    const noName = await upload(undefined, pdf);
    expect(noName.status).toBe(400);
    expect(problemPaths(noName)).toEqual(['name']);
    expect(problemPaths(await upload('a"<b>.pdf', pdf))).toEqual(['name']);
    expect(problemPaths(await upload('空.pdf', Buffer.alloc(0)))).toEqual(['(body)']);

    const huge = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(MAX_ATTACHMENT_BYTES)]);
    const tooLarge = await upload('超大.pdf', huge);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('payload_too_large');
    expect([await count('attachment_chunks'), await count('attachments'), await count('attachment_uploads')]).toEqual(before);
  });

  it('needs a publisher or admin of an agency: 401 without credentials, 403 for press and reviewer roles or without the CSRF token', async () => {
    expect((await http().post('/api/v1/attachments?name=a.pdf').set('Content-Type', 'application/octet-stream').send(pdf)).status).toBe(401);
    expect((await upload('a.pdf', pdf, pressKey.auth)).status).toBe(403);
    expect((await upload('a.pdf', pdf, reviewerKey.auth)).status).toBe(403);
    expect((await upload('a.pdf', pdf, { Cookie: session.cookie })).status).toBe(403);
    const fresh = pdfOf('Admin upload');
    expect((await upload('a.pdf', fresh, pressKey.auth)).status).toBe(403);
    expect(await db.collection('attachments').findOne({ _id: sha(fresh) as never })).toBeNull();
    expect((await upload('a.pdf', fresh, w.haidianAdminKey.auth)).status).toBe(201);
  });
});

describe('GET /attachments/:sha256/:name', () => {
  it('is 404 for an upload no public item lists, except to the uploading agency; public with its headers once published', async () => {
    const pdf = pdfOf('Draft only');
    const { body: entry } = await upload('2026年第三批公租房分配结果（公示稿）.pdf', pdf);
    const path = pathOf(entry.url);

    const anonymous = await download(path);
    expect(anonymous.status).toBe(404);
    expect(anonymous.headers['cache-control']).toBe('no-store');
    expect((await download(path, w.chaoyangKey.auth)).status).toBe(404);
    const own = await download(path, { Cookie: session.cookie });
    expect(own.status).toBe(200);
    expect(own.headers['cache-control']).toBe('private, no-store');
    expect((await download(path, w.haidianKey.auth)).status).toBe(200);

    // A draft listing it changes nothing; another agency naming the hash in its own published item neither.
    const draft = await http().post('/api/v1/disclosures').set(w.haidianKey.auth).send(allocationResult({ attachments: [entry].map(({ name, url, sha256 }) => ({ name, url, sha256 })) }));
    expect(draft.status).toBe(201);
    await publishWith(w.chaoyangKey.auth, [{ name: 'x.pdf', url: entry.url, sha256: entry.sha256 }], { region: '110105', title: '朝阳区2026年公共租赁住房分配结果公示' });
    expect((await download(path)).status).toBe(404);

    const id = await publishWith(w.haidianKey.auth, [{ name: entry.name, url: entry.url, sha256: entry.sha256 }]);
    const res = await download(path);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, pdf)).toBe(0);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-length']).toBe(String(pdf.length));
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.etag).toBe(`"${entry.sha256}"`);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="2026${'_'.repeat(16)}.pdf"; filename*=UTF-8''${encodeURIComponent(entry.name)}`);
    expect(res.headers['content-disposition']).toContain('%EF%BC%88'); // （, percent-encoded as UTF-8
    expect((await http().get(path).set('If-None-Match', `"${entry.sha256}"`)).status).toBe(304);
    expect((await http().head(path)).headers['content-length']).toBe(String(pdf.length));

    // The website's page links to it.
    const page = await http().get(`/disclosures/${id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`href="${entry.url}"`);
  });

  it('saves under a name with the stored content’s extension, whatever the link says; 404 for an unknown hash, 400 for a malformed one', async () => {
    const pdf = pdfOf('Renamed link');
    const { body: entry } = await upload('公告.pdf', pdf);
    await publishWith(w.haidianKey.auth, [{ name: entry.name, url: entry.url, sha256: entry.sha256 }], { title: '海淀区2026年第四批公共租赁住房分配结果公示' });
    const renamed = await download(`/attachments/${entry.sha256}/${encodeURIComponent('setup.exe')}`);
    expect(renamed.status).toBe(200);
    expect(renamed.headers['content-disposition']).toContain(`filename*=UTF-8''setup.exe.pdf`);
    expect((await download(`/attachments/${'0'.repeat(64)}/a.pdf`)).status).toBe(404);
    const bad = await download('/attachments/not-a-hash/a.pdf');
    expect(bad.status).toBe(400);
  });

  it('a link in the public content (附件 of an item type) is public once published; one in a withheld value stays private', async () => {
    const shown = (await upload('分配政策全文.pdf', pdfOf('Policy text'))).body;
    const hidden = (await upload('内部测算表.pdf', pdfOf('Internal sheet'))).body;
    const policy = (attachments: { title: string; url: string }[], title: string) => ({
      field: 'housing',
      itemType: 'allocation-policy',
      title,
      region: '110108',
      formedAt: '2026-10-08',
      basis: 'produce',
      content: { title: '海淀区公共租赁住房分配办法', region: '110108', issuedBy: '北京市海淀区住房和城乡建设委员会', effectiveDate: '2026-10-01', content: '分配办法全文见附件。', attachments },
    });
    const open = await http().post('/api/v1/disclosures').set(w.haidianKey.auth).send(policy([{ title: shown.name, url: shown.url }], '海淀区公共租赁住房分配办法'));
    expect(open.status, JSON.stringify(open.body)).toBe(201);
    const secret = await http()
      .post('/api/v1/disclosures')
      .set(w.haidianKey.auth)
      .send({ ...policy([{ title: hidden.name, url: hidden.url }], '海淀区公共租赁住房分配测算说明'), withheld: [{ path: 'attachments', basis: 'commercial-secret' }] });
    expect(secret.status, JSON.stringify(secret.body)).toBe(201);
    for (const id of [open.body.id, secret.body.id]) expect((await http().post(`/api/v1/disclosures/${id}/publish`).set(w.haidianKey.auth)).status).toBe(200);
    expect((await download(pathOf(shown.url))).status).toBe(200);
    expect((await download(pathOf(hidden.url))).status).toBe(404);
  });

  it('refuses an attachment whose sha256 is not the one its upload URL names (400 naming it)', async () => {
    const { body: entry } = await upload('公示.pdf', pdfOf('Mismatch'));
    const res = await http().post('/api/v1/disclosures').set(w.haidianKey.auth).send(allocationResult({ attachments: [{ name: entry.name, url: entry.url, sha256: 'a'.repeat(64) }] }));
    expect(res.status).toBe(400);
    expect(problemPaths(res)).toEqual(['attachments.0.sha256']);
  });

  it('is documented in /openapi.json with the upload’s binary body', async () => {
    const doc = (await http().get('/openapi.json')).body;
    const post = doc.paths['/api/v1/attachments'].post;
    expect(Object.keys(post.requestBody.content)).toContain('application/octet-stream');
    expect(post.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'name', in: 'query', required: true })]));
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '413', '415']));
    expect(doc.paths['/attachments/{sha256}/{name}'].get.security).toBeUndefined();
  });
});
