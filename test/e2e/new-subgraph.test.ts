// The walk-through on a copy of the repository: scaffold a subgraph, compose with the check,
// serve its fields through a running gateway, then see `compose --check` refuse a breaking change.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSubgraph, SubgraphStartOptions } from '../../subgraphs/runtime/index.js';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import { graphql, startGateway, SUBGRAPH_PUBLIC_KEYS, token } from '../helpers/stack.js';
import { testStorage } from '../subgraphs/storage-fixture.js';

const run = promisify(execFile);
const env = { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true' };
const script = (name: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], { env });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

/** A copy of the repository's schema/ and subgraphs/, with src/ and node_modules linked. */
function copyOfRepo(): string {
  const root = mkdtempSync(join(tmpdir(), 'portico-new-subgraph-'));
  for (const folder of ['schema', 'subgraphs']) cpSync(folder, join(root, folder), { recursive: true });
  for (const link of ['src', 'node_modules']) symlinkSync(resolve(link), join(root, link), 'dir');
  return root;
}

describe('npm run new-subgraph, then compose --check', () => {
  const root = copyOfRepo();
  const list = join(root, 'schema/subgraphs.yaml');
  const supergraph = join(root, 'schema/supergraph.graphql');
  const storages = ['users', 'todos', 'ratings'].map((name) => testStorage(`new-${name}`));
  const running: RunningSubgraph[] = [];
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    const { stdout } = await script('new-subgraph', 'ratings', '--root', root);
    expect(stdout).toContain('subgraphs/ratings/index.ts');
    const composed = await script('compose', '--subgraphs', list, '--out', supergraph, '--check', '--write');
    expect(composed.stdout).toContain('Composed users, todos, ratings');

    const common = { port: 0, gatewayKeys: SUBGRAPH_PUBLIC_KEYS, logger: pino({ level: 'silent' }) };
    const module = (await import(pathToFileURL(join(root, 'subgraphs/ratings/index.ts')).href)) as {
      startRatingsSubgraph: (options: SubgraphStartOptions) => Promise<RunningSubgraph>;
    };
    running.push(await startUsersSubgraph({ ...common, storage: storages[0].options }));
    running.push(await startTodosSubgraph({ ...common, storage: storages[1].options }));
    running.push(await module.startRatingsSubgraph({ ...common, storage: storages[2].options }));
    const urls = Object.fromEntries(running.map((s) => [s.name, s.url]));
    gateway = await startGateway(urls, { supergraph: { path: supergraph, watch: true } });
  });
  afterAll(async () => {
    await gateway?.server.stop();
    await Promise.all(running.map((s) => s.stop()));
    await Promise.all(storages.map((s) => s.cleanup()));
    rmSync(root, { recursive: true, force: true });
  });

  it('gives the new subgraph the next free port in the list', () => {
    expect(readFileSync(list, 'utf8')).toContain('  - name: ratings\n    url: http://127.0.0.1:4003/graphql\n    schema: ratings.graphql\n');
  });

  it('serves the new fields through the gateway, joined with the entity they extend', async () => {
    const alice = await token('alice', { name: 'Alice' });
    const added = await graphql(gateway.url, 'mutation { addTodo(input: { title: "rate me" }) { id } }', { token: alice });
    const id = added.body.data.addTodo.id;
    const set = await graphql(gateway.url, 'mutation ($id: ID!) { setRatingsNote(id: $id, note: "five stars") { title ratingsNote } }', {
      token: alice,
      variables: { id },
    });
    expect(set.body.errors).toBeUndefined();
    expect(set.body.data).toEqual({ setRatingsNote: { title: 'rate me', ratingsNote: 'five stars' } });
    const listed = await graphql(gateway.url, '{ todos { nodes { title ratingsNote } } }', { token: alice });
    expect(listed.body.data).toEqual({ todos: { nodes: [{ title: 'rate me', ratingsNote: 'five stars' }] } });
  });

  it('refuses a breaking change with exit code 1, naming the field and its subgraph, and writes nothing', async () => {
    const sdl = join(root, 'schema/ratings.graphql');
    writeFileSync(sdl, readFileSync(sdl, 'utf8').replace(/\n\s*"""A note[^\n]*\n\s*ratingsNote: String/, ''));
    const served = readFileSync(supergraph, 'utf8');
    const refused = await failure(script('compose', '--subgraphs', list, '--out', supergraph, '--check', '--write'));
    expect(refused?.code).toBe(1);
    expect(refused?.stdout).toContain('Todo.ratingsNote (subgraph ratings): Todo.ratingsNote was removed.');
    expect(refused?.stderr).toContain('Refused: 1 breaking change (Todo.ratingsNote)');
    expect(readFileSync(supergraph, 'utf8')).toBe(served);

    const allowed = await script('compose', '--subgraphs', list, '--out', supergraph, '--check', '--allow-breaking');
    expect(allowed.stdout).toContain('nothing written');
    expect(readFileSync(supergraph, 'utf8')).toBe(served);
  });
});
