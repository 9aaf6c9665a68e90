import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER, SIGNATURE_HEADER, signRequest, type Identity } from '../../../src/identity/signed-identity.js';
import { startSubgraph, type RunningSubgraph, type SubgraphContext } from '../../../subgraphs/runtime/index.js';
import { callSubgraph, codes, TEST_GATEWAY_KEYS, TEST_SECRET, user } from '../client.js';

const migrations = mkdtempSync(join(tmpdir(), 'portico-runtime-'));
writeFileSync(join(migrations, '001_noop.sql'), 'CREATE TABLE noop (id int);');
let subgraph: RunningSubgraph;

beforeAll(async () => {
  subgraph = await startSubgraph<{ greeting: string }>({
    name: 'echo',
    typeDefs: parse(`
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
      type Query { whoami: String scopes: [String!]! greeting: String! boom: String }`),
    resolvers: {
      Query: {
        whoami: (_: unknown, __: unknown, ctx: SubgraphContext) => ctx.identity.sub ?? null,
        scopes: (_: unknown, __: unknown, ctx: SubgraphContext) => ctx.identity.scopes,
        greeting: (_: unknown, __: unknown, ctx: { greeting: string }) => ctx.greeting,
        boom: () => {
          throw new Error('relation "secret_table" does not exist');
        },
      },
    },
    migrations,
    storage: { kind: 'embedded' },
    createContext: () => () => ({ greeting: 'hello' }),
    gatewayKeys: TEST_GATEWAY_KEYS,
  });
});
afterAll(async () => {
  await subgraph?.stop();
  rmSync(migrations, { recursive: true, force: true });
});

describe('startSubgraph', () => {
  it('serves on an ephemeral port at http://127.0.0.1:<port>/graphql', () => {
    expect(subgraph.port).toBeGreaterThan(0);
    expect(subgraph.url).toBe(`http://127.0.0.1:${subgraph.port}/graphql`);
  });

  it('answers GET /health without an identity', async () => {
    const response = await fetch(new URL('/health', subgraph.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('hands the verified identity and the extra context to resolvers', async () => {
    const { status, body } = await callSubgraph(subgraph, '{ whoami scopes greeting }', {
      identity: user('alice', { scopes: ['admin'] }),
    });
    expect(status).toBe(200);
    expect(body.data).toEqual({ whoami: 'alice', scopes: ['admin'], greeting: 'hello' });
  });

  it('serves on / too', async () => {
    const { body } = await callSubgraph({ name: 'echo', url: new URL('/', subgraph.url).href }, '{ whoami }', { identity: user('bo') });
    expect(body.data).toEqual({ whoami: 'bo' });
  });

  // Headers for exactly the request `callSubgraph(subgraph, '{ whoami }')` sends.
  const now = () => Math.floor(Date.now() / 1000);
  const whoami = (identity: Identity, secret = TEST_SECRET, at = now()) =>
    signRequest({ identity, method: 'POST', audience: 'echo', path: '/graphql', body: JSON.stringify({ query: '{ whoami }' }) }, secret, at);
  const forged = () => {
    const headers = whoami(user('alice'));
    const tampered = Buffer.from(JSON.stringify(user('root', { scopes: ['admin'] }))).toString('base64url');
    return { ...headers, [IDENTITY_HEADER]: tampered };
  };
  const expired = () => whoami(user('alice'), TEST_SECRET, now() - 3600);
  const wrongSecret = () => whoami(user('alice'), 'another-secret-0123456789');
  const malformed = () => ({ ...whoami(user('alice')), [SIGNATURE_HEADER]: 'nonsense' });

  it.each([
    ['missing', () => ({})],
    ['forged', forged],
    ['expired', expired],
    ['signed with another secret', wrongSecret],
    ['malformed', malformed],
  ])('refuses a %s signed identity with 401 UNAUTHENTICATED', async (_, headers) => {
    const { status, body } = await callSubgraph(subgraph, '{ whoami }', { identity: null, headers: headers() });
    expect(status).toBe(401);
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
    expect(body.data).toBeUndefined();
  });

  it('accepts the same headers exactly as signed', async () => {
    const { status, body } = await callSubgraph(subgraph, '{ whoami }', { identity: null, headers: whoami(user('alice')) });
    expect(status).toBe(200);
    expect(body.data).toEqual({ whoami: 'alice' });
  });

  it('checks the signature against a body that arrives in many chunks, and still answers 413 past the limit', async () => {
    const big = await callSubgraph(subgraph, '{ whoami }', { identity: user('alice'), variables: { pad: 'x'.repeat(300_000) } });
    expect(big.status).toBe(200);
    expect(big.body.data).toEqual({ whoami: 'alice' });
    const tooBig = await callSubgraph(subgraph, '{ whoami }', { identity: user('alice'), variables: { pad: 'x'.repeat(1_100_000) } });
    expect(tooBig.status).toBe(413);
    expect(codes(tooBig.body)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('masks unexpected resolver errors', async () => {
    const { body } = await callSubgraph(subgraph, '{ boom }', { identity: user('alice') });
    expect(body.errors).toEqual([
      expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    ]);
    expect(JSON.stringify(body)).not.toContain('secret_table');
  });

  it('answers 404 for other paths', async () => {
    const response = await fetch(new URL('/nope', subgraph.url));
    expect(response.status).toBe(404);
  });
});
