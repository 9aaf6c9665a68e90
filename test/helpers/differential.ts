// Differential testing: the same documents through Portico and through plain @apollo/gateway +
// @apollo/server over the same subgraphs, answers compared after an explicit, commented normalisation.
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { writeFileSync } from 'node:fs';
import { parse, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/index.js';
import { loadSupergraph } from '../../src/gateway/schema-check.js';
import { gatewayCompatibleSupergraph } from '../../src/gateway/supergraph-file.js';
import { faultProxy } from './fault-proxy.js';
import { graphql, startGateway, type GraphQLResult } from './stack.js';

export interface Case {
  name: string;
  query: string;
  variables?: Record<string, unknown>;
  /** A known divergence: why Portico's answer differs from the baseline's (the case runs as `it.fails`). */
  diverges?: string;
  /**
   * Portico answers differently by design (its refusal table in README "Errors"): its answer is
   * checked against the documented status and code instead of against the baseline's.
   */
  byDesign?: { why: string; status: number; code: string };
}

/** Settings every corpus gives Portico so that its features cannot refuse a document the baseline answers. */
export const CORPUS_PORTICO_CONFIG: ConfigInput = {
  // By design Portico refuses documents over a cost ceiling and throttles a client past its budget;
  // the corpus sends hundreds of documents from one caller in seconds, so both are made unreachable
  // (the cost is still estimated and charged on every request).
  cost: { maxCost: 1_000_000_000, budgets: { capacity: 1_000_000_000, restoreRate: 1_000_000_000 } },
  // By design a subgraph that failed five calls in a row is not called for 10 s: one faulted document
  // would change the answers to the next ones. Retries stay on (a fault fails every attempt alike).
  resilience: { circuitBreaker: { enabled: false } },
  // By design Portico refuses documents past its shape limits (depth 15 by default, counting
  // fragments); generated deep documents go past it, and the baseline has no such limit.
  limits: { maxDepth: 100, maxAliases: 1000, maxDirectives: 1000, maxTokens: 100_000 },
};

export interface StartPairOptions {
  /** Portico's supergraph file (it may carry authorization and cost directives the baseline does not get). */
  supergraphPath: string;
  /** The baseline's supergraph SDL. */
  plainSupergraphSdl: string;
  /** Each subgraph's real URL; both gateways reach it through a fault proxy. */
  urls: Record<string, string>;
  portico?: ConfigInput;
  /** The baseline's data source for a subgraph (default: a plain RemoteGraphQLDataSource). */
  plainDataSource?: (name: string, url: string) => InstanceType<typeof RemoteGraphQLDataSource>;
  /** Stops the subgraphs, after both gateways. */
  stopSubgraphs?: () => Promise<void>;
}

export interface Pair {
  portico: string;
  plain: string;
  /** Calls the fault proxies failed on purpose, by subgraph. */
  faulted(): Record<string, number>;
  stop(): Promise<void>;
}

/** Portico and the baseline over the same subgraphs, each subgraph behind one fault proxy both share. */
export async function startPair(options: StartPairOptions): Promise<Pair> {
  const names = Object.keys(options.urls);
  const proxies = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await faultProxy(n, options.urls[n])] as const)));
  const routed = Object.fromEntries(names.map((n) => [n, proxies[n].url]));
  const portico = await startGateway(routed, { ...CORPUS_PORTICO_CONFIG, ...options.portico, supergraph: { path: options.supergraphPath } });
  const build = options.plainDataSource ?? ((_: string, url: string) => new RemoteGraphQLDataSource({ url }));
  const plain = new ApolloServer({
    gateway: new ApolloGateway({ supergraphSdl: gatewayCompatibleSupergraph(options.plainSupergraphSdl), buildService: ({ name }) => build(name!, routed[name!]) }),
  });
  const { url } = await startStandaloneServer(plain, { listen: { port: 0, host: '127.0.0.1' } });
  return {
    portico: portico.url,
    plain: url,
    faulted: () => Object.fromEntries(names.map((n) => [n, proxies[n].faulted()])),
    stop: async () => {
      await Promise.all([portico.server.stop(), plain.stop()]);
      await Promise.all(Object.values(proxies).map((p) => p.close()));
      await options.stopSubgraphs?.();
    },
  };
}

export interface Answers {
  ours: GraphQLResult;
  theirs: GraphQLResult;
}

/** Sends every case to both gateways, `concurrency` cases at a time; answers by case name. */
export async function runCorpus(pair: Pair, cases: readonly Case[], options: { token?: string; concurrency?: number } = {}): Promise<Map<string, Answers>> {
  const answers = new Map<string, Answers>();
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const { name, query, variables } = cases[next++];
      const [ours, theirs] = await Promise.all([graphql(pair.portico, query, { variables, token: options.token }), graphql(pair.plain, query, { variables })]);
      answers.set(name, { ours, theirs });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 12 }, worker));
  return answers;
}

type ErrorOut = { message: string; path?: (string | number)[]; code?: unknown; serviceName?: unknown };

/**
 * The subgraph call failed before any GraphQL answer (unreachable, HTTP error status, a body that is
 * not JSON). By design Portico reports it as one error with its own code and wording
 * (`SUBGRAPH_UNAVAILABLE`, `Subgraph "x" answered HTTP 500`, see src/gateway/subgraph-data-source.ts)
 * where Apollo passes on the fetcher's words; both are compared as "this call failed", same path.
 */
function transportFailure(e: ErrorOut): boolean {
  if (e.code === 'SUBGRAPH_UNAVAILABLE') return true;
  return /^(\d{3}: |request to .* failed|invalid json response body|FetchError|fetch failed|Unexpected token)/i.test(e.message) || /is not valid JSON/.test(e.message);
}

/**
 * What must match: status, data, and each error's message, path and code (normalised as commented).
 * Not compared: the response's top-level `extensions` (by design Portico adds `cost` there) and an
 * error's other extensions (Portico names `serviceName` on every subgraph error; Apollo's HTTP
 * errors carry the subgraph's URL and body, which Portico keeps from clients by design).
 */
export function comparable({ status, body }: GraphQLResult) {
  const errors = body.errors?.map((e): ErrorOut => {
    const out: ErrorOut = { message: e.message, path: e.path, code: e.extensions?.code };
    if (transportFailure(out)) return { message: '<subgraph call failed>', path: e.path, code: '<subgraph call failed>' };
    return out;
  });
  // The order of errors is not part of a response's meaning (the spec leaves it open); compared sorted.
  errors?.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return { status, data: body.data, errors };
}

/** The API schema (what clients see) of subgraphs composed together, for generating documents. */
export function composedApiSchema(sdls: Record<string, string>): GraphQLSchema {
  const result = composeServices(Object.entries(sdls).map(([name, sdl]) => ({ name, url: `http://127.0.0.1:9/${name}`, typeDefs: parse(sdl) })));
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return loadSupergraph(result.supergraphSdl).api;
}

/**
 * One corpus as tests: one start-up (`beforeAll`), every document sent to both gateways in parallel
 * batches, then one test per document comparing the two answers; a case with `diverges` is expected
 * to differ (`it.fails`), so it turns red the day the divergence is fixed.
 */
export function describeCorpus(title: string, cases: readonly Case[], start: () => Promise<{ pair: Pair; token?: string }>) {
  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`${title}: two cases named ${c.name}`);
    names.add(c.name);
  }
  describe(title, () => {
    let pair: Pair | undefined;
    let answers: Map<string, Answers>;
    beforeAll(async () => {
      const started = await start();
      pair = started.pair;
      answers = await runCorpus(pair, cases, { token: started.token });
      // CORPUS_DUMP=file.json: every case with both answers, to read what was compared.
      if (process.env.CORPUS_DUMP) {
        const dump = cases.map((c) => ({ ...c, faulted: undefined, ours: answers.get(c.name)!.ours.body, theirs: answers.get(c.name)!.theirs.body }));
        writeFileSync(process.env.CORPUS_DUMP, JSON.stringify({ faulted: pair.faulted(), cases: dump }, null, 1));
      }
      // Hundreds of requests on a shared two-core machine: more than the default hook timeout, on purpose.
    }, 180_000);
    afterAll(async () => pair?.stop());

    const check = ({ name, byDesign }: Case) => {
      const { ours, theirs } = answers.get(name)!;
      if (byDesign) expect({ status: ours.status, codes: ours.body.errors?.map((e) => e.extensions?.code) }).toEqual({ status: byDesign.status, codes: [byDesign.code] });
      else expect(comparable(ours)).toEqual(comparable(theirs));
    };
    // Two gateways refusing alike prove little: most documents must come back with data.
    it('the baseline answers at least three documents in four with data', () => {
      const answered = [...answers.values()].filter(({ theirs }) => theirs.body.data != null).length;
      expect(answered / cases.length).toBeGreaterThanOrEqual(0.75);
    });
    const agreeing = cases.filter((c) => !c.diverges);
    const diverging = cases.filter((c) => c.diverges);
    if (agreeing.length) it.each(agreeing)('$name', check);
    if (diverging.length) it.fails.each(diverging)('$name (known divergence: $diverges)', check);
  });
}
