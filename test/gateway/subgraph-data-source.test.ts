// Portico's own data source, side by side with @apollo/gateway's RemoteGraphQLDataSource where they
// must agree (the cache hint a subgraph's Cache-Control gives), and where Portico is stricter.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fetcher } from '@apollo/utils.fetcher';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteGraphQLDataSource } from '../../src/gateway/apollo-gateway.js';
import { undiciFetcher } from '../../src/gateway/fetcher.js';
import { SignedSubgraphDataSource } from '../../src/gateway/subgraph-data-source.js';

/** The hint each data source gives the request's cache policy for one Cache-Control header. */
async function hints(header: string) {
  const fetcher = (async () => {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': header };
    return {
      ok: true,
      status: 200,
      headers: { get: (n: string) => headers[n.toLowerCase()] ?? null, set: (n: string, v: string) => (headers[n.toLowerCase()] = v) },
      json: async () => ({ data: {} }),
      text: async () => '{"data":{}}',
    };
  }) as unknown as Fetcher;
  const seen: unknown[] = [];
  const policy = { restrict: (hint: unknown) => seen.push(hint) };
  const options = () => ({ kind: 'incoming operation', request: { query: '{x}' }, incomingRequestContext: { overallCachePolicy: policy }, context: {} }) as never;
  await new SignedSubgraphDataSource({ name: 's', url: 'http://127.0.0.1:9/', fetcher }).process(options());
  await new RemoteGraphQLDataSource({ url: 'http://127.0.0.1:9/', fetcher }).process(options());
  return { portico: seen[0], apollo: seen[1] };
}

describe('the cache hint of a subgraph answer', () => {
  it.each(['max-age=60', 'max-age=60, public', 'private, max-age=30', 'no-store', '', 'max-age=60, max-age=abc', 'max-age="45"', 'max-age=-1', 'max-age'])(
    'is the one @apollo/gateway gives for %j',
    async (header) => {
      const { portico, apollo } = await hints(header);
      expect(portico).toEqual(apollo);
    },
  );

  it('is private when the subgraph says private anywhere (Apollo lets a later public win)', async () => {
    const { portico, apollo } = await hints('private, max-age=60, public');
    expect(apollo).toEqual({ maxAge: 60, scope: 'PUBLIC' });
    expect(portico).toEqual({ maxAge: 60, scope: 'PRIVATE' });
  });
});

describe('a subgraph answer with a UTF-8 byte-order mark', () => {
  let server: Server;
  let url: string;
  const agent = new Agent({ connections: 1 });
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"data":{"x":"é"}}')]));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await agent.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('is read as JSON, as fetch reads it', async () => {
    const source = new SignedSubgraphDataSource({ name: 'bom', url, fetcher: undiciFetcher(agent, 2000) });
    const answer = await source.process({ kind: 'health check', request: { query: '{x}' }, context: {} } as never);
    expect(answer.data).toEqual({ x: 'é' });
  });
});
