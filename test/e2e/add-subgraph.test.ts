import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { graphql, startGateway, startStack, SUBGRAPH_PUBLIC_KEYS, token, type Stack } from '../helpers/stack.js';
import { testStorage } from '../subgraphs/storage-fixture.js';
import { startPrioritiesSubgraph } from './fixtures/priorities/index.js';
import { eventually } from '../helpers/eventually.js';

const run = promisify(execFile);
const LIST = '{ todos { nodes { title priority } } }';


describe('adding a subgraph, as the README says', () => {
  let stack: Stack;
  let priorities: RunningSubgraph;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const storage = testStorage('priorities');
  const folder = mkdtempSync(join(tmpdir(), 'portico-add-subgraph-'));
  const supergraph = join(folder, 'supergraph.graphql');

  beforeAll(async () => {
    stack = await startStack();
    priorities = await startPrioritiesSubgraph({ gatewayKeys: SUBGRAPH_PUBLIC_KEYS, storage: storage.options });
    copyFileSync('schema/supergraph.graphql', supergraph);
    gateway = await startGateway({ users: stack.users.url, todos: stack.todos.url }, { supergraph: { path: supergraph, watch: true } });
  });
  afterAll(async () => {
    await gateway?.server.stop();
    await priorities?.stop();
    await stack?.stop();
    await storage.cleanup();
  });

  it('serves the new fields after `npm run compose`, without a restart', async () => {
    const alice = await token('alice', { name: 'Alice' });
    await graphql(gateway.url, 'mutation { addTodo(input: { title: "plan" }) { id } }', { token: alice });
    const before = await graphql(gateway.url, LIST, { token: alice });
    expect(before.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const list = join(folder, 'subgraphs.yaml');
    writeFileSync(
      list,
      readFileSync('schema/subgraphs.yaml', 'utf8')
        .replace(/schema: (\w+)\.graphql/g, (_m, name) => `schema: ${resolve('schema', `${name}.graphql`)}`)
        .concat(`  - name: priorities\n    url: ${priorities.url}\n    schema: ${resolve('test/e2e/fixtures/priorities/schema.graphql')}\n`),
    );
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/compose.ts', '--subgraphs', list, '--out', supergraph]);
    expect(stdout).toContain('priorities');

    let after = await graphql(gateway.url, LIST, { token: alice });
    await eventually(async () => !(after = await graphql(gateway.url, LIST, { token: alice })).body.errors, 10_000);
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data).toEqual({ todos: { nodes: [{ title: 'plan', priority: 3 }] } });
  });

  it('leaves the served supergraph untouched when composition fails, and names the subgraph', async () => {
    const broken = join(folder, 'broken.graphql');
    writeFileSync(broken, 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])\ntype Todo @key(fields: "id") { id: ID! title: Int! }\n');
    const list = join(folder, 'broken.yaml');
    writeFileSync(list, `subgraphs:\n  - name: todos\n    url: http://127.0.0.1:1/graphql\n    schema: ${resolve('schema/todos.graphql')}\n  - name: broken\n    url: http://127.0.0.1:2/graphql\n    schema: ${broken}\n`);
    const served = readFileSync(supergraph, 'utf8');
    const failure = await run(process.execPath, ['--import', 'tsx', 'scripts/compose.ts', '--subgraphs', list, '--out', supergraph]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/broken/);
    expect(failure?.stderr).toContain('Composition failed');
    expect(readFileSync(supergraph, 'utf8')).toBe(served);
  });
});
