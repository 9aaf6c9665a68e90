import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway } from '../helpers/gateway-process.js';
import { graphql } from '../helpers/stack.js';

// A subgraph whose one field takes 800 ms: requests are surely in flight when the gateway is told to stop.
const sdl = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"]) type Query { slow: String }';
let subgraph: ApolloServer;
let env: Record<string, string>;

beforeAll(async () => {
  subgraph = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(sdl), resolvers: { Query: { slow: () => new Promise((r) => setTimeout(() => r('done'), 800)) } } }),
  });
  const { url } = await startStandaloneServer(subgraph, { listen: { port: 0, host: '127.0.0.1' } });
  const result = composeServices([{ name: 'slow', url, typeDefs: parse(sdl) }]);
  if (result.errors) throw result.errors[0];
  const path = join(mkdtempSync(join(tmpdir(), 'portico-lifecycle-')), 'supergraph.graphql');
  writeFileSync(path, result.supergraphSdl);
  env = { PORTICO_SUPERGRAPH: path, PORTICO_CACHE: 'false' };
});
afterAll(() => subgraph?.stop());

describe('on SIGTERM', () => {
  it('stops accepting, finishes every request in flight, and exits 0', async () => {
    const gateway = await spawnGateway(env);
    const inFlight = Array.from({ length: 10 }, () => graphql(gateway.url, '{ slow }'));
    await new Promise((r) => setTimeout(r, 300));
    gateway.signal('SIGTERM');
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(answers.every((a) => a.body.data?.slow === 'done')).toBe(true);
    expect(await gateway.exited).toBe(0);
    await expect(graphql(gateway.url, '{ slow }')).rejects.toThrow();
  });
});

describe('workers', () => {
  it('runs the configured number of worker processes on one port, and stops them all', async () => {
    const gateway = await spawnGateway({ ...env, PORTICO_WORKERS: '2' });
    const children = () => execFileSync('pgrep', ['-P', String(gateway.pid)]).toString().trim().split('\n').filter(Boolean);
    const deadline = Date.now() + 15_000;
    while (children().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(children()).toHaveLength(2);
    const answers = await Promise.all(Array.from({ length: 6 }, () => graphql(gateway.url, 'query Slow { slow }')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // The primary serves the metrics listener with every worker's requests added up.
    expect(gateway.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const metrics = await (await fetch(gateway.metricsUrl!)).text();
    expect(metrics).toMatch(/portico_requests_total\{operation="Slow",type="query",outcome="ok"\} 6\n/);
    expect((await fetch(new URL('/metrics', gateway.url))).status).toBe(404);
    gateway.signal('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });
});
