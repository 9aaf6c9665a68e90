import fc from 'fast-check';
import { parse, visit } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_HEADER } from '../../src/identity/signed-identity.js';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { silentLogger, startGateway, SUBGRAPH_PUBLIC_KEYS, token } from '../helpers/stack.js';
import { testStorage, type TestStorage } from '../subgraphs/storage-fixture.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';
import { rawRequest, wellFormedErrors } from './http.js';
import { prng } from '../helpers/prng.js';

const RUNS = 300;
const SEED = 20260501;
const SANE_STATUS = [200, 400, 401, 403, 405, 413, 429];

type Rng = ReturnType<typeof prng>;

const VALUES = ['1', '0', '-1', '100', '101', '"x"', 'null', 'true', '$v', '"00000000-0000-0000-0000-000000000000"', '{ title: "t" }', '[1]', '1.5'];

const GOOD_VALUES: Record<string, string[]> = {
  first: ['0', '1', '5', '100', '101', '-1'],
  after: ['"x"', 'null', '"MTA="'],
  completed: ['true', 'false', 'null'],
  id: ['"alice"', '"x"', '"00000000-0000-0000-0000-000000000000"'],
};

/** Arguments that mostly fit their types; one in twenty is anything at all (or an unknown argument). */
function args(rng: Rng, names: string[]): string {
  const chosen = names.filter((n) => n === 'id' || rng.next() < 0.5);
  if (rng.next() < 0.05) chosen.push(rng.pick(['bogus', 'first']));
  const value = (n: string) => (rng.next() < 0.05 || !GOOD_VALUES[n] ? rng.pick(VALUES) : rng.pick(GOOD_VALUES[n]));
  return chosen.length ? `(${chosen.map((n) => `${n}: ${value(n)}`).join(', ')})` : '';
}

function alias(rng: Rng): string {
  return rng.next() < 0.15 ? `a${rng.int(50)}: ` : '';
}

function directive(rng: Rng): string {
  if (rng.next() > 0.1) return '';
  return rng.next() < 0.9 ? ` @${rng.pick(['skip', 'include'])}(if: ${rng.pick(['true', 'false'])})` : ` @${rng.pick(['deprecated', 'nope', 'skip'])}(if: ${rng.pick(['$v', '1'])})`;
}

function selection(rng: Rng, type: 'User' | 'Todo' | 'UserConnection' | 'TodoConnection' | 'PageInfo', depth: number): string {
  const fields: string[] = [];
  const count = 1 + rng.int(4);
  for (let i = 0; i < count; i++) {
    const deeper = depth < 6;
    switch (type) {
      case 'User': {
        const f = rng.next() < 0.03 ? 'unknown' : rng.pick(['id', 'name', 'email', 'todos', '__typename']);
        if (f === 'todos' && deeper) fields.push(`${alias(rng)}todos${args(rng, ['first', 'after', 'completed'])}${directive(rng)} { ${selection(rng, 'TodoConnection', depth + 1)} }`);
        else if (f !== 'todos') fields.push(`${alias(rng)}${f}${directive(rng)}`);
        break;
      }
      case 'Todo': {
        const f = rng.pick(['id', 'title', 'completed', 'createdAt', 'owner', '__typename']);
        if (f === 'owner' && deeper) fields.push(`${alias(rng)}owner${directive(rng)} { ${selection(rng, 'User', depth + 1)} }`);
        else if (f !== 'owner') fields.push(`${alias(rng)}${f}`);
        else fields.push('id');
        break;
      }
      case 'UserConnection':
      case 'TodoConnection': {
        const f = rng.next() < 0.03 ? 'totalCount' : rng.pick(['nodes', 'nodes', 'pageInfo']);
        const item = type === 'UserConnection' ? 'User' : 'Todo';
        if (f === 'nodes') fields.push(`nodes { ${rng.next() < 0.2 ? `...F${item}` : selection(rng, item, depth + 1)} }`);
        else if (f === 'pageInfo') fields.push(`pageInfo { ${selection(rng, 'PageInfo', depth + 1)} }`);
        else fields.push(f);
        break;
      }
      case 'PageInfo':
        fields.push(rng.pick(['endCursor', 'hasNextPage']));
        break;
    }
  }
  return fields.join(' ');
}

const FRAGMENTS: Record<string, string> = {
  FUser: 'fragment FUser on User { id name email }',
  FTodo: 'fragment FTodo on Todo { id title owner { email } }',
};

/** A random document over the demo schema: mostly valid, sometimes not (unknown fields, bad arguments). */
function document(rng: Rng): string {
  const kind = rng.next();
  let body: string;
  if (kind < 0.2) {
    body = `mutation M { ${rng.pick([
      `addTodo(input: { title: ${rng.pick(['"fuzz"', '""', '$v', '1'])} }) { id title owner { ${selection(rng, 'User', 2)} } }`,
      `updateTodo(id: ${rng.pick(VALUES)}, input: { completed: true }) { id }`,
      `deleteTodo(id: ${rng.pick(VALUES)})`,
    ])} }`;
  } else {
    const roots: string[] = [];
    for (let i = 0, n = 1 + rng.int(3); i < n; i++) {
      const root = rng.pick(['me', 'user', 'users', 'todo', 'todos', '__typename']);
      if (root === 'me') roots.push(`${alias(rng)}me${directive(rng)} { ${selection(rng, 'User', 1)} }`);
      else if (root === 'user') roots.push(`${alias(rng)}user${args(rng, ['id'])} { ${selection(rng, 'User', 1)} }`);
      else if (root === 'users') roots.push(`${alias(rng)}users${args(rng, ['first', 'after'])} { ${selection(rng, 'UserConnection', 1)} }`);
      else if (root === 'todo') roots.push(`${alias(rng)}todo${args(rng, ['id'])} { ${selection(rng, 'Todo', 1)} }`);
      else if (root === 'todos') roots.push(`${alias(rng)}todos${args(rng, ['first', 'after', 'completed'])} { ${selection(rng, 'TodoConnection', 1)} }`);
      else roots.push('__typename');
    }
    body = `query Q { ${roots.join(' ')} }`;
  }
  // `$v` is declared only where used (an unused variable fails validation), with a type that may not fit.
  if (body.includes('$v')) body = body.replace(/^(query Q|mutation M)/, `$1($v: ${rng.pick(['Int', 'String', 'ID', 'Boolean', 'ID!', 'String!'])})`);
  // Each fragment spread gets its definition (an unused or unknown fragment fails validation), mostly.
  const used = Object.keys(FRAGMENTS).filter((name) => body.includes(`...${name}`));
  return rng.next() < 0.95 ? [body, ...used.map((name) => FRAGMENTS[name])].join(' ') : body;
}

/** Character-level damage: deletions, insertions, duplicated or swapped slices. */
function mutate(rng: Rng, text: string): string {
  let out = text;
  for (let i = 0, n = 1 + rng.int(4); i < n && out.length > 0; i++) {
    const at = rng.int(out.length);
    const len = 1 + rng.int(Math.min(10, out.length - at));
    switch (rng.int(4)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + len);
        break;
      case 1:
        out = out.slice(0, at) + rng.pick(['{', '}', '(', ')', '$', '@', '...', ':', '"', '#', '\\u0000', 'query', '!', '[', ' ']) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at, at + len).repeat(2 + rng.int(3)) + out.slice(at);
        break;
      default: {
        const other = rng.int(out.length);
        out = out.slice(0, other) + out.slice(at, at + len) + out.slice(other);
      }
    }
  }
  return out;
}

interface Caller {
  name: string;
  scopes: string[];
  token?: string;
}

/** Field names a caller may not see, and that must therefore never reach a subgraph on its behalf. */
function forbiddenFields(scopes: string[], authenticated: boolean): Set<string> {
  const forbidden = new Set<string>();
  if (!scopes.includes('admin')) forbidden.add('users');
  if (!scopes.includes('admin') && !scopes.includes('users:read:email')) forbidden.add('email');
  if (!authenticated) for (const f of ['todo', 'todos', 'addTodo', 'updateTodo', 'deleteTodo']) forbidden.add(f);
  return forbidden;
}

function selectedFields(query: string): string[] {
  const names: string[] = [];
  visit(parse(query), { Field: (node) => void names.push(node.name.value) });
  return names;
}

describe('fuzzing the gateway with random and damaged documents', () => {
  let users: RunningSubgraph;
  let todos: RunningSubgraph;
  let storages: TestStorage[];
  let proxies: FaultProxy[];
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let callers: Caller[];

  beforeAll(async () => {
    storages = [testStorage('fuzz-users', { inMemory: true }), testStorage('fuzz-todos', { inMemory: true })];
    const common = { port: 0, gatewayKeys: SUBGRAPH_PUBLIC_KEYS, logger: silentLogger };
    users = await startUsersSubgraph({ ...common, storage: storages[0].options });
    todos = await startTodosSubgraph({ ...common, storage: storages[1].options });
    // Recording proxies in front of both subgraphs: what each receives is checked against the caller.
    proxies = [await startFaultProxy(users.url), await startFaultProxy(todos.url)];
    gateway = await startGateway({ users: proxies[0].url, todos: proxies[1].url });
    callers = [
      { name: 'anonymous', scopes: [] },
      { name: 'alice', scopes: [], token: await token('alice', { name: 'Alice', email: 'a@example.com', expiresIn: 3600 }) },
      { name: 'bob', scopes: ['users:read:email'], token: await token('bob', { name: 'Bob', scope: 'users:read:email', expiresIn: 3600 }) },
      { name: 'root', scopes: ['admin'], token: await token('root', { name: 'Root', scope: 'admin', expiresIn: 3600 }) },
    ];
  });
  afterAll(async () => {
    await gateway?.server.stop();
    await Promise.all((proxies ?? []).map((p) => p.close()));
    await Promise.all([users?.stop(), todos?.stop()]);
    await Promise.all((storages ?? []).map((s) => s.cleanup()));
  });

  it(`answers ${RUNS} random requests with well-formed responses and sane statuses, and leaks no removed selection`, async () => {
    const variables = fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 4 },
      { arbitrary: fc.dictionary(fc.constantFrom('v', 'id', 'first', 'x'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), weight: 4 },
      { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 },
    );
    const request = fc.record({
      seed: fc.integer(),
      caller: fc.integer({ min: 0, max: 3 }),
      damage: fc.integer({ min: 0, max: 9 }),
      variables,
      shape: fc.integer({ min: 0, max: 19 }),
      junk: fc.string({ maxLength: 40 }),
    });
    let served = 0;
    const tally = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ seed, caller: c, damage, variables: vars, shape, junk }) => {
        const rng = prng(seed);
        const caller = callers[c];
        let doc = document(rng);
        if (damage < 2) doc = mutate(rng, doc);
        // Most bodies are proper; some are odd shapes a client could send.
        const payload =
          shape === 0 ? { query: junk } : shape === 1 ? { query: doc, operationName: junk } : shape === 2 ? { query: [doc] } : { query: doc, variables: vars };
        const before = proxies.map((p) => p.requests.length);
        const response = await rawRequest(gateway.url, {
          headers: { 'content-type': 'application/json', ...(caller.token ? { authorization: `Bearer ${caller.token}` } : {}) },
          body: JSON.stringify(payload),
        });
        served += 1;
        const code = String(response.body?.errors?.[0]?.extensions?.code ?? 'ok');
        tally.set(`${response.status} ${code}`, (tally.get(`${response.status} ${code}`) ?? 0) + 1);
        expect(SANE_STATUS, `status for ${JSON.stringify(payload)}: ${response.text}`).toContain(response.status);
        expect(wellFormedErrors(response.body), `response to ${JSON.stringify(payload)}: ${response.text}`).toBe(true);
        // Nothing the caller may not see went to a subgraph for this request.
        const forbidden = forbiddenFields(caller.scopes, caller.token !== undefined);
        for (const [i, proxy] of proxies.entries()) {
          for (const sent of proxy.requests.slice(before[i])) {
            const identity = JSON.parse(Buffer.from(String(sent.headers[IDENTITY_HEADER]), 'base64url').toString('utf8')) as { sub?: string };
            if ((identity.sub ?? 'anonymous') !== caller.name) continue;
            const query = (JSON.parse(sent.body) as { query: string }).query;
            const leaked = selectedFields(query).filter((f) => forbidden.has(f));
            expect(leaked, `${caller.name} sent ${query} for ${doc}`).toEqual([]);
          }
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(served).toBe(RUNS);
    // Some requests of each kind: valid ones served, authorization at work, refusals.
    expect(tally.get('200 ok')).toBeGreaterThan(0);
    expect(tally.get('200 UNAUTHORIZED_FIELD_OR_TYPE')).toBeGreaterThan(0);
    expect(tally.get('400 GRAPHQL_PARSE_FAILED')).toBeGreaterThan(0);
    // Still up, and still answering properly.
    const health = await rawRequest(gateway.url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(health.body?.data).toEqual({ __typename: 'Query' });
    // The subgraphs did get work: the fuzzer is not only exercising refusals.
    expect(proxies[0].requests.length + proxies[1].requests.length).toBeGreaterThan(RUNS / 10);
  });
});
