// The six cases of The Guild's federation gateway audit (graphql-hive/federation-gateway-audit, MIT
// License, Copyright (c) 2024 - The Guild; the notice is in ./federation-audit/suite.ts) where plain
// @apollo/gateway returns wrong data, with every other case of their four suites: each suite's
// subgraphs as real HTTP servers (@apollo/subgraph schemas on bench/subgraph-server.ts), composed,
// Portico (its own executor) and plain @apollo/gateway side by side over them (startPair), each case
// sent to both and Portico's answer checked as the audit checks one (its src/test.ts).
//
// A case Portico gets wrong runs as `it.fails`, with why (planner or executor), so it turns red the
// day it is fixed. The plain gateway's answers are checked against the audit's own results for it
// (gateways/apollo-gateway/results.txt), so the comparison stays a measured one; Portico's answer
// is checked against the plain gateway's too (as the differential corpus compares them).
//
// All six cases the plain gateway gets wrong, Portico gets wrong alike, and for the same reason: the
// plan (@apollo/query-planner's, which Portico reuses) asks the subgraphs for the wrong thing, and
// both executors carry it out faithfully (the same subgraph requests, the same answer). For each, a
// test reads the plan itself and checks the flaw named in PORTICO_FAILS is there.
import { composeServices } from '@apollo/composition';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan, type QueryPlanSelectionNode } from '@apollo/query-planner';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSubgraphServer } from '../../bench/subgraph-server.js';
import { comparable, startPair, type Pair } from '../helpers/differential.js';
import { graphql, type GraphQLResult } from '../helpers/stack.js';
import { keysMashup } from './federation-audit/keys-mashup.js';
import { nonResolvableInterfaceObject } from './federation-audit/non-resolvable-interface-object.js';
import { requiresWithArgumentConflict } from './federation-audit/requires-with-argument-conflict.js';
import { requiresWithArgument } from './federation-audit/requires-with-argument.js';
import { auditView, type AuditSuite } from './federation-audit/suite.js';

/** Every Fetch node of a plan, in plan order. */
function fetchesOf(node: QueryPlan['node'] | PlanNode | undefined, out: FetchNode[] = []): FetchNode[] {
  if (!node) return out;
  switch (node.kind) {
    case 'Fetch':
      out.push(node);
      break;
    case 'Sequence':
    case 'Parallel':
      for (const child of node.nodes) fetchesOf(child, out);
      break;
    case 'Flatten':
      fetchesOf(node.node, out);
      break;
    case 'Condition':
      fetchesOf(node.ifClause, out);
      fetchesOf(node.elseClause, out);
      break;
  }
  return out;
}

/** The field names a fetch's `requires` selects on its entity type (inside `... on T`). */
const requiredFields = (fetch: FetchNode): string[] =>
  (fetch.requires ?? []).flatMap((s: QueryPlanSelectionNode) => (s.kind === 'InlineFragment' ? s.selections : [s])).flatMap((s) => (s.kind === 'Field' ? [s.name] : []));

/** Every `comments(…)` the plan's fetches ask subgraph d for, as printed in their operations. */
const commentsFetched = (plan: QueryPlan) => fetchesOf(plan.node).flatMap((f) => f.operation.match(/comments\([^)]*\)/g) ?? []);

/** @requires with arguments: the planner keeps one `comments(…)` under the client's response key. */
const REQUIRES_ARGUMENT_MERGED =
  'plan: the @requires of Post.author needs comments(limit: 3) from d, the client asks for comments(limit: 1); the planner keeps only comments(limit: 3), ' +
  'under the response key `comments` the client reads, so no fetch asks for comments(limit: 1) and the client gets three comments (Portico executes that plan as @apollo/gateway does)';
const REQUIRES_ARGUMENT_CAUSE = 'the plan drops comments(limit: 1) for the @requires comments(limit: 3)';
const requiresArgumentMerged = (plan: QueryPlan) => expect(commentsFetched(plan)).toEqual(['comments(limit:3)']);

/**
 * Why Portico gets a case wrong, by `suite_index` (the audit's own test names), and the flaw in the
 * plan that shows it (checked by a test of its own).
 */
const PORTICO_FAILS: Record<string, { cause: string; why: string; planShows: (plan: QueryPlan) => void }> = {
  'keys-mashup_0': {
    cause: 'the plan uses a key b declares resolvable: false',
    why:
      'plan: to fetch A.nameInB from b, the planner represents A by the key `compositeId { one two }`, which b declares resolvable: false; ' +
      "b's resolver needs `id` (its one resolvable key is `id compositeId { two three }`), finds no A, and the non-null nameInB nulls `b` (Portico sends the same representations as @apollo/gateway)",
    planShows: (plan) => {
      const nameInB = fetchesOf(plan.node).find((f) => f.serviceName === 'b' && f.requires && f.operation.includes('nameInB'))!;
      expect(requiredFields(nameInB)).toEqual(['__typename', 'name', 'compositeId']);
    },
  },
  'non-resolvable-interface-object_1': {
    cause: 'an empty plan where the planner should refuse',
    why:
      'plan: Node has no implementation in any subgraph and b, the only one with Node.field, declares it resolvable: false; the planner gives an empty plan instead of a planning error, ' +
      'so nothing is fetched and the answer is { a: null } without errors (the audit expects the request refused: data null, errors); Portico executes the empty plan as @apollo/gateway does',
    planShows: (plan) => expect(plan.node).toBeUndefined(),
  },
  'requires-with-argument_2': { cause: REQUIRES_ARGUMENT_CAUSE, why: REQUIRES_ARGUMENT_MERGED, planShows: requiresArgumentMerged },
  'requires-with-argument_3': { cause: REQUIRES_ARGUMENT_CAUSE, why: `${REQUIRES_ARGUMENT_MERGED}; here the limit is a variable's default`, planShows: requiresArgumentMerged },
  'requires-with-argument_4': { cause: REQUIRES_ARGUMENT_CAUSE, why: `${REQUIRES_ARGUMENT_MERGED}; here through two fragments and a variable's default`, planShows: requiresArgumentMerged },
  'requires-with-argument-conflict_0': {
    cause: 'the plan fetches price in EUR only',
    why:
      'plan: shippingEstimate requires price(currency: "USD"), shippingEstimateEUR price(currency: "EUR"); the planner fetches only price(currency: "EUR") from b and sends one `price` in the representation, ' +
      'so a computes both estimates from the EUR price (Portico sends the same representations as @apollo/gateway)',
    planShows: (plan) => {
      const operations = fetchesOf(plan.node).map((f) => f.operation).join('\n');
      expect({ eur: operations.includes('price(currency:"EUR")'), usd: operations.includes('price(currency:"USD")') }).toEqual({ eur: true, usd: false });
    },
  },
};

/** Where the subgraphs are does not change a plan. */
const PLANNING_URLS = new Proxy({}, { get: (_, name) => `http://127.0.0.1:9/${String(name)}` }) as Record<string, string>;

function compose(suite: AuditSuite, urls: Record<string, string>): string {
  const composed = composeServices(suite.subgraphs.map(({ name, typeDefs }) => ({ name, url: urls[name], typeDefs: parse(typeDefs) })));
  if (composed.errors) throw new Error(`${suite.id}: composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
  return composed.supergraphSdl;
}

/** The plan of a query as Portico gets it: @apollo/gateway's planner is a QueryPlanner with no config. */
function planOf(supergraphSdl: string, query: string): QueryPlan {
  const supergraph = Supergraph.build(supergraphSdl);
  return new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.apiSchema(), parse(query)));
}

async function startSuite(suite: AuditSuite): Promise<Pair> {
  const servers = await Promise.all(
    suite.subgraphs.map(async ({ name, typeDefs, resolvers }) => [name, await startSubgraphServer(buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never }))] as const),
  );
  const urls = Object.fromEntries(servers.map(([name, s]) => [name, s.url]));
  const supergraphSdl = compose(suite, urls);
  const supergraphPath = join(mkdtempSync(join(tmpdir(), 'portico-audit-')), 'supergraph.graphql');
  writeFileSync(supergraphPath, supergraphSdl);
  return startPair({
    supergraphPath,
    plainSupergraphSdl: supergraphSdl,
    urls,
    // Portico's own executor, whatever PORTICO_EXECUTOR says: it is what these cases are about.
    portico: { gateway: { executor: 'portico' } },
    stopSubgraphs: async () => void (await Promise.all(servers.map(([, s]) => s.stop()))),
  });
}

for (const suite of [keysMashup, nonResolvableInterfaceObject, requiresWithArgument, requiresWithArgumentConflict]) {
  describe(`federation audit: ${suite.id}`, () => {
    let pair: Pair | undefined;
    const answers: { ours: GraphQLResult; theirs: GraphQLResult }[] = [];
    beforeAll(async () => {
      pair = await startSuite(suite);
      for (const { query } of suite.tests) answers.push({ ours: await graphql(pair.portico, query), theirs: await graphql(pair.plain, query) });
    });
    afterAll(async () => pair?.stop());

    suite.tests.forEach(({ query, expected }, index) => {
      const name = `${suite.id}_${index}`;
      const check = () => {
        const { received, expected: wanted } = auditView(expected, answers[index].ours.body);
        expect(received).toEqual(wanted);
      };
      const known = PORTICO_FAILS[name];
      if (known) {
        // Wrong, as the plan has it (see PORTICO_FAILS): red the day Portico answers as the audit expects.
        it.fails(`${name}: Portico answers as the audit expects (known wrong: ${known.cause})`, check);
        it(`${name}: the flaw is in the plan (${known.cause})`, () => known.planShows(planOf(compose(suite, PLANNING_URLS), query)));
      } else {
        it(`${name}: Portico answers as the audit expects`, check);
      }

      // On the six known cases too: the same plan, carried out alike (a fix in Portico's executor would
      // turn this red with the `it.fails` above, on purpose).
      it(`${name}: Portico answers as plain @apollo/gateway does`, () => expect(comparable(answers[index].ours)).toEqual(comparable(answers[index].theirs)));

      const apolloPasses = suite.apolloGateway[index] === '.';
      it(`${name}: plain @apollo/gateway ${apolloPasses ? 'passes' : 'fails'}, as in the audit's results`, () => {
        const { received, expected: wanted } = auditView(expected, answers[index].theirs.body);
        expect(isDeepStrictEqual(received, wanted)).toBe(apolloPasses);
      });
    });
  });
}
