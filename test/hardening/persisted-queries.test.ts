import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPorticoServer, type PorticoServer } from '../../src/server/create-server.js';
import { gatewayConfig } from '../helpers/stack.js';
import { rawRequest, wellFormedErrors, type RawResponse } from './http.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const QUERY = '{ __typename }';

let server: PorticoServer;
let url: string;
const lines: Array<{ level: number; msg: string; status?: number; errorCodes?: string[] }> = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean).map((line: string) => JSON.parse(line)));
      done();
    },
  });
  // `{ __typename }` needs no subgraph: nothing listens on these.
  const config = gatewayConfig({ users: 'http://127.0.0.1:9/graphql', todos: 'http://127.0.0.1:9/graphql' }, { logging: { level: 'info' } });
  server = createPorticoServer(config, pino({ level: 'info' }, sink));
  url = (await server.start()).url;
});
afterAll(() => server?.stop());

const post = (body: unknown) => rawRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
function get(params: Record<string, unknown>): Promise<RawResponse> {
  const search = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  return rawRequest(`${url}?${search}`, { method: 'GET', headers: { 'apollo-require-preflight': 'true' } });
}
const persisted = (sha256Hash: unknown, version: unknown = 1) => ({ persistedQuery: { version, sha256Hash } });

function expectRefused(response: RawResponse, code: string) {
  expect({ status: response.status, code: response.body?.errors?.[0]?.extensions?.code }).toEqual({ status: 400, code });
  expect(wellFormedErrors(response.body)).toBe(true);
}

describe('automatic persisted queries the client got wrong', () => {
  it('refuses a query whose hash is not its SHA-256 with 400 PERSISTED_QUERY_HASH_MISMATCH, by POST and GET', async () => {
    const wrong = persisted(sha256('{ me { id } }'));
    const byPost = await post({ query: QUERY, extensions: wrong });
    expectRefused(byPost, 'PERSISTED_QUERY_HASH_MISMATCH');
    expect(byPost.body?.errors?.[0].message).toBe('extensions.persistedQuery.sha256Hash is not the SHA-256 hash of the query');
    expectRefused(await get({ query: QUERY, extensions: wrong }), 'PERSISTED_QUERY_HASH_MISMATCH');
    // Not registered: asking by the hash alone finds nothing.
    const byHash = await post({ extensions: wrong });
    expect(byHash.body?.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a hash that is not 64 lowercase hex digits with 400 PERSISTED_QUERY_HASH_INVALID, with or without the query', async () => {
    for (const hash of ['abc', sha256(QUERY).toUpperCase(), `${sha256(QUERY)}0`, 42, null]) {
      expectRefused(await post({ query: QUERY, extensions: persisted(hash) }), 'PERSISTED_QUERY_HASH_INVALID');
      expectRefused(await post({ extensions: persisted(hash) }), 'PERSISTED_QUERY_HASH_INVALID');
    }
    expectRefused(await get({ extensions: persisted('../../etc') }), 'PERSISTED_QUERY_HASH_INVALID');
    expectRefused(await post({ query: QUERY, extensions: { persistedQuery: 'yes' } }), 'PERSISTED_QUERY_HASH_INVALID');
  });

  it('refuses a persisted query version other than 1 with 400 PERSISTED_QUERY_VERSION_NOT_SUPPORTED', async () => {
    expectRefused(await post({ query: QUERY, extensions: persisted(sha256(QUERY), 2) }), 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED');
    expectRefused(await get({ extensions: persisted(sha256(QUERY), '1') }), 'PERSISTED_QUERY_VERSION_NOT_SUPPORTED');
  });

  it('logs none of these as an error; the request line has the status and code', async () => {
    await post({ query: QUERY, extensions: persisted(sha256('{ other }')) });
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(lines.filter((line) => line.msg === 'request').at(-1)).toMatchObject({ status: 400, errorCodes: ['PERSISTED_QUERY_HASH_MISMATCH'] });
  });

  it('still registers a correct one and answers it by its hash, by POST and GET', async () => {
    const right = persisted(sha256(QUERY));
    const registered = await post({ query: QUERY, extensions: right });
    expect({ status: registered.status, data: registered.body?.data }).toEqual({ status: 200, data: { __typename: 'Query' } });
    expect((await post({ extensions: right })).body?.data).toEqual({ __typename: 'Query' });
    expect((await get({ extensions: right })).body?.data).toEqual({ __typename: 'Query' });
  });
});
