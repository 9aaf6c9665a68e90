import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../subscriptions/ws-client.js';
import { loadOperations } from '../../src/rest/operations.js';
import { buildManifest, createTrustedDocumentCheck, readManifest } from '../../src/security/trusted-documents.js';
import { graphql, startGateway, startStack, token, type Stack } from '../helpers/stack.js';

const MANIFEST = 'schema/operations/persisted-query-manifest.json';
const manifest = buildManifest(loadOperations('schema/operations').values());
const me = manifest.operations.find((o) => o.name === 'Me')!;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('the manifest', () => {
  it('is what npm run operations writes from schema/operations, in Apollo persisted query manifest format', () => {
    expect(readManifest(MANIFEST)).toEqual(manifest);
    expect(execFileSync('npx', ['tsx', 'scripts/operations.ts', '--check'], { encoding: 'utf8' })).toContain('is up to date (6 operations)');
    expect(manifest.format).toBe('apollo-persisted-query-manifest');
    expect(manifest.operations.map((o) => `${o.type} ${o.name}`).sort()).toEqual(
      ['mutation AddTodo', 'mutation DeleteTodo', 'mutation UpdateTodo', 'query GetTodo', 'query ListTodos', 'query Me'],
    );
    for (const operation of manifest.operations) expect(operation.id).toBe(sha256(operation.body));
  });

  it('refuses a file that is not a manifest, naming the setting and the file', () => {
    expect(() => readManifest('package.json')).toThrow('security.manifest: package.json: not an Apollo persisted query manifest (format: ');
    expect(() => readManifest('nowhere.json')).toThrow('security.manifest: nowhere.json: cannot read the trusted documents manifest (ENOENT); write it with npm run operations');
  });
});

describe('the check, before any parsing', () => {
  const events: unknown[] = [];
  const enforce = createTrustedDocumentCheck({ mode: 'enforce', manifest, onUnlisted: (e) => events.push(e) });
  const log = createTrustedDocumentCheck({ mode: 'log', manifest, onUnlisted: (e) => events.push(e) });

  it('gives the text of a document sent by id (Hive documentId, with or without sha256:) or by APQ hash', () => {
    expect(enforce({ documentId: me.id })).toEqual({ query: me.body });
    expect(enforce({ documentId: `sha256:${me.id}` })).toEqual({ query: me.body });
    expect(enforce({ extensions: { persistedQuery: { version: 1, sha256Hash: me.id } } })).toEqual({ query: me.body });
  });

  it('lets a listed text run as sent, exactly or up to whitespace and comments', () => {
    expect(enforce({ query: me.body })).toEqual({});
    expect(enforce({ query: `# mine\nquery Me { me { id, name } }` })).toEqual({});
  });

  it('enforce: refuses an unknown id or hash and any other text, with codes of their own', () => {
    events.length = 0;
    expect(enforce({ documentId: 'nope' })).toEqual({ refusal: { status: 400, code: 'PERSISTED_QUERY_NOT_IN_LIST', message: 'No trusted document has the id "nope"' } });
    expect(enforce({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ me { id } }') } } })).toMatchObject({ refusal: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } });
    expect(enforce({ query: 'query Me { me { id name email } }' })).toMatchObject({ refusal: { status: 400, code: 'QUERY_NOT_IN_SAFELIST' } });
    expect(enforce({ query: '{ unterminated' })).toMatchObject({ refusal: { code: 'QUERY_NOT_IN_SAFELIST' } });
    expect(events).toHaveLength(4);
  });

  it('log: reports other texts and hashes and lets them run; an unknown documentId still has nothing to run', () => {
    events.length = 0;
    expect(log({ query: '{ me { email } }' })).toEqual({});
    expect(log({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ me { id } }') } } })).toEqual({});
    expect(events).toEqual([
      { mode: 'log', by: 'text', id: undefined },
      { mode: 'log', by: 'hash', id: sha256('{ me { id } }') },
    ]);
    expect(log({ documentId: 'nope' })).toMatchObject({ refusal: { code: 'PERSISTED_QUERY_NOT_IN_LIST' } });
  });
});

describe('trusted documents through the gateway', () => {
  let enforced: Stack;
  let logged: Awaited<ReturnType<typeof startGateway>>;
  let off: Awaited<ReturnType<typeof startGateway>>;
  beforeAll(async () => {
    enforced = await startStack({ security: { trustedDocuments: 'enforce', manifest: MANIFEST }, rest: { enabled: true } });
    // A second gateway on the same subgraphs, in log mode.
    const urls = { users: enforced.users.url, todos: enforced.todos.url };
    logged = await startGateway(urls, { security: { trustedDocuments: 'log', manifest: MANIFEST } });
    off = await startGateway(urls, { security: { trustedDocuments: 'off', manifest: 'nowhere.json' } });
  });
  afterAll(async () => {
    await logged?.server.stop();
    await off?.server.stop();
    await enforced?.stop();
  });

  it('enforce: runs a manifest operation sent by id (POST and GET) or as its text', async () => {
    const alice = await token('alice', { name: 'Alice' });
    const byId = await fetch(enforced.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` },
      body: JSON.stringify({ documentId: me.id }),
    });
    expect(byId.status).toBe(200);
    expect((await byId.json()).data).toEqual({ me: { id: 'alice', name: 'Alice' } });
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: me.id } });
    const byHash = await fetch(`${enforced.url}?extensions=${encodeURIComponent(extensions)}`, {
      headers: { authorization: `Bearer ${alice}`, 'apollo-require-preflight': 'true' },
    });
    expect((await byHash.json()).data).toEqual({ me: { id: 'alice', name: 'Alice' } });
    const asText = await graphql(enforced.url, me.body, { token: alice });
    expect(asText.body.data).toEqual({ me: { id: 'alice', name: 'Alice' } });
  });

  it('enforce: refuses any other document with 400 QUERY_NOT_IN_SAFELIST, and an unknown id with PERSISTED_QUERY_NOT_IN_LIST', async () => {
    const other = await graphql(enforced.url, '{ me { id } }');
    expect(other.status).toBe(400);
    expect(other.body.errors?.[0].extensions?.code).toBe('QUERY_NOT_IN_SAFELIST');
    const unknown = await fetch(enforced.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documentId: 'abc' }) });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('enforce: refuses a subscription not in the manifest, over WebSocket and over multipart HTTP', async () => {
    const alice = await token('alice', { name: 'Alice' });
    const subscription = 'subscription { todoChanged { kind id todo { title owner { id name email } } } }';
    const ws = connect(enforced.url, { authorization: `Bearer ${alice}` });
    expect(await ws.subscribe(subscription).ended).toEqual({ error: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_NOT_IN_SAFELIST' }) })] });
    await ws.dispose();
    const multipart = await fetch(enforced.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'multipart/mixed;subscriptionSpec="1.0"', authorization: `Bearer ${alice}` },
      body: JSON.stringify({ query: subscription }),
    });
    expect(multipart.status).toBe(400);
    expect((await multipart.json()).errors[0].extensions.code).toBe('QUERY_NOT_IN_SAFELIST');
  });

  it('enforce: REST routes run, their operations being the manifest\'s', async () => {
    const response = await fetch(new URL('/api/me', enforced.url), { headers: { authorization: `Bearer ${await token('carol', { name: 'Carol' })}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'carol', name: 'Carol' });
  });

  it('off: reads no manifest and looks nothing up; any document runs', async () => {
    const other = await graphql(off.url, '{ me { id } }', { token: await token('dan') });
    expect(other.body.data).toEqual({ me: { id: 'dan' } });
    const byId = await fetch(off.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documentId: me.id }) });
    expect(byId.status).toBe(400);
    expect((await byId.json()).errors[0].message).toContain('non-empty `query`');
  });

  it('log: runs any document, and documents sent by id too', async () => {
    const other = await graphql(logged.url, '{ me { id } }', { token: await token('bob') });
    expect(other.status).toBe(200);
    expect(other.body.data).toEqual({ me: { id: 'bob' } });
    const byId = await fetch(logged.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documentId: me.id }) });
    expect((await byId.json()).data).toEqual({ me: null });
  });
});
