import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphHttp } from '../../src/gateway/fetcher.js';
import { withResilience } from '../../src/gateway/resilience.js';
import { applicationName } from '../../subgraphs/runtime/storage/postgres.js';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import { startUsersSubgraph } from '../../subgraphs/users/index.js';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { graphql, silentLogger, startGateway, startStack, SUBGRAPH_PUBLIC_KEYS, token, type Stack } from '../helpers/stack.js';
import { testStorage, type TestStorage } from '../subgraphs/storage-fixture.js';
import { LEAKY_BODY, startFaultProxy, type FaultMode, type FaultProxy } from './fault-proxy.js';

const BOTH = '{ me { id name } todos { nodes { id title } } }';
const TIMEOUT_MS = 400;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a failing subgraph', () => {
  let users: RunningSubgraph;
  let todos: RunningSubgraph;
  let storages: TestStorage[];
  let proxy: FaultProxy;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let alice: string;
  let titles: string[];

  beforeAll(async () => {
    storages = [testStorage('fault-users', { inMemory: true }), testStorage('fault-todos', { inMemory: true })];
    const common = { port: 0, gatewayKeys: SUBGRAPH_PUBLIC_KEYS, logger: silentLogger };
    users = await startUsersSubgraph({ ...common, storage: storages[0].options });
    todos = await startTodosSubgraph({ ...common, storage: storages[1].options });
    proxy = await startFaultProxy(users.url);
    // Production mode: what a failing subgraph says must reach the client masked.
    gateway = await startGateway(
      { users: proxy.url, todos: todos.url },
      { env: 'production', cache: { enabled: false }, subgraphs: { users: { url: proxy.url, timeoutMs: TIMEOUT_MS }, todos: { url: todos.url } } },
    );
    alice = await token('alice', { name: 'Alice' });
    const added = await graphql(gateway.url, 'mutation { addTodo(input: { title: "survives" }) { title } }', { token: alice });
    expect(added.body.errors).toBeUndefined();
    titles = ['survives'];
  });
  afterAll(async () => {
    await gateway?.server.stop();
    await proxy?.close().catch(() => {});
    await Promise.all([users?.stop(), todos?.stop()]);
    await Promise.all((storages ?? []).map((s) => s.cleanup()));
  });

  const faults: Array<[string, FaultMode | 'refused']> = [
    ['refuses connections (down)', 'refused'],
    ['closes the connection without an answer', { kind: 'reset' }],
    ['answers after the timeout', { kind: 'slow', ms: 3000 }],
    ['answers with a body that is not JSON', { kind: 'garbage' }],
    ['answers HTTP 500', { kind: 'status', status: 500 }],
    ['answers HTTP 503', { kind: 'status', status: 503 }],
  ];

  for (const [what, mode] of faults) {
    it(`${what}: partial data, an error naming it, nothing internal, the gateway still up`, async () => {
      if (mode === 'refused') await proxy.close();
      else proxy.mode = mode;
      try {
        const started = Date.now();
        const { status, body } = await graphql(gateway.url, BOTH, { token: alice });
        expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
        expect(status).toBe(200);
        expect(body.data).toEqual({ me: null, todos: { nodes: [expect.objectContaining({ title: titles[0] })] } });
        expect(body.errors).toHaveLength(1);
        expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'users' } });
        expect(body.errors?.[0].message).toMatch(/users/);
        expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|localhost|internal\.example|10\.0\.0\.7|\/srv\/|http:\/\/|stacktrace/);
      } finally {
        proxy.mode = { kind: 'pass' };
        if (mode === 'refused') await proxy.listen();
      }
      const live = await fetch(gateway.url.replace(/\/graphql$/, '/health/live'));
      expect(live.status).toBe(200);
      const healed = await graphql(gateway.url, BOTH, { token: alice });
      expect(healed.body.errors).toBeUndefined();
      expect(healed.body.data.me).toEqual({ id: 'alice', name: 'Alice' });
    });
  }

  it('masks the message of an uncoded error a subgraph answers with HTTP 200 (it may name internal hosts)', async () => {
    proxy.mode = { kind: 'status', status: 200 };
    try {
      const { body } = await graphql(gateway.url, BOTH, { token: alice });
      expect(body.data?.todos.nodes).toHaveLength(1);
      expect(body.errors?.[0]).toMatchObject({ message: 'Subgraph "users" failed', extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'users' } });
      expect(JSON.stringify(body)).not.toMatch(/internal\.example|\/srv\/|ECONNREFUSED/);
      expect(LEAKY_BODY).toMatch(/internal\.example/);
    } finally {
      proxy.mode = { kind: 'pass' };
    }
  });

  it('retries a query through the real subgraph client, never a mutation (resilience wrapper)', async () => {
    const http = createSubgraphHttp();
    try {
      // Breakers off: this test counts attempts, and five failures in a row would open the circuit.
      const fetcher = withResilience(http.fetcher(TIMEOUT_MS), { name: 'users', retry: { retries: 2, baseDelayMs: 10 }, circuitBreaker: false });
      const send = (query: string) => fetcher(proxy.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      proxy.mode = { kind: 'reset' };
      let sent = proxy.received.length;
      await expect(send('{ __typename }')).rejects.toThrow();
      expect(proxy.received.length - sent).toBe(3);
      sent = proxy.received.length;
      await expect(send('mutation { __typename }')).rejects.toThrow();
      expect(proxy.received.length - sent).toBe(1);
      // A timeout is not repeated: the call already took the whole timeout.
      proxy.mode = { kind: 'slow', ms: TIMEOUT_MS * 3 };
      sent = proxy.received.length;
      await expect(send('{ __typename }')).rejects.toMatchObject({ code: 'SUBGRAPH_TIMEOUT' });
      expect(proxy.received.length - sent).toBe(1);
      // And the breaker fails fast once the subgraph has failed enough in a row.
      const guarded = withResilience(http.fetcher(TIMEOUT_MS), { name: 'users', retry: false, circuitBreaker: { failureThreshold: 2, coolDownMs: 60_000 } });
      const call = () => guarded(proxy.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
      // A 500 is an answer to one request: it does not count.
      proxy.mode = { kind: 'status', status: 500 };
      for (let i = 0; i < 3; i++) expect((await call()).status).toBe(500);
      expect(guarded.circuitState()).toBe('closed');
      proxy.mode = { kind: 'status', status: 503 };
      expect((await call()).status).toBe(503);
      expect((await call()).status).toBe(503);
      sent = proxy.received.length;
      await expect(call()).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
      expect(proxy.received.length).toBe(sent);
    } finally {
      proxy.mode = { kind: 'pass' };
      await http.close();
    }
  });
});

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

describe.skipIf(!hasRedis)('Redis lost and back', () => {
  let port: number;
  let redis: ChildProcess | undefined;
  let stack: Stack;
  let alice: string;

  async function startRedis(): Promise<void> {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await until(async () => spawnSync('redis-cli', ['-p', String(port), 'ping']).stdout?.toString().includes('PONG') ?? false);
  }
  function killRedis(): Promise<void> {
    const child = redis;
    redis = undefined;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
  const keys = () => spawnSync('redis-cli', ['-p', String(port), '--scan', '--pattern', 'test-*']).stdout.toString().split('\n').filter(Boolean);

  beforeAll(async () => {
    port = await freePort();
    await startRedis();
    // Budgets on (they must degrade, not fail) but roomy enough that no request here is throttled.
    stack = await startStack({ redisUrl: `redis://127.0.0.1:${port}`, cost: { budgets: { capacity: 100_000, restoreRate: 10_000 } } });
    alice = await token('alice', { name: 'Alice' });
  });
  afterAll(async () => {
    await stack?.stop();
    await killRedis();
  });

  it('keeps answering without client errors while Redis is gone, and uses it again when it returns', async () => {
    const query = '{ me { id name } todos { nodes { id } } }';
    const ok = async () => {
      const { status, body } = await graphql(stack.url, query, { token: alice });
      return { status, errors: body.errors, data: body.data };
    };
    expect(await ok()).toMatchObject({ status: 200, errors: undefined });
    await until(async () => keys().length > 0);

    await killRedis();
    for (let i = 0; i < 20; i++) {
      const answer = await ok();
      expect(answer).toMatchObject({ status: 200, errors: undefined, data: { me: { id: 'alice' } } });
      const add = await graphql(stack.url, `mutation { addTodo(input: { title: "offline ${i}" }) { id } }`, { token: alice });
      expect(add.body.errors).toBeUndefined();
    }

    await startRedis(); // empty: nothing survived
    expect(keys()).toEqual([]);
    await until(async () => {
      expect(await ok()).toMatchObject({ status: 200, errors: undefined });
      return keys().length > 0;
    }, 15_000);
    const { data } = await ok();
    expect(data.todos.nodes).toHaveLength(20);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('PostgreSQL connections killed under a write load', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ cost: { enabled: false }, cache: { enabled: false } });
  });
  afterAll(() => stack?.stop());

  it('keeps every addTodo answered with success, and reports the others as errors', async () => {
    const storage = stack.storage.todos;
    if (storage.kind !== 'postgres') throw new Error('expected postgres storage');
    const admin = new pg.Client({ connectionString: storage.url });
    await admin.connect();
    const succeeded = new Set<string>();
    const unexpected: unknown[] = [];
    let failed = 0;
    let killed = 0;
    try {
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop && i < 400; i++) {
          const title = `w${w}-${i}`;
          // A subject per request: addTodo's @rateLimit (60 a minute per user) must not be what fails.
          const { status, body } = await graphql(stack.url, 'mutation($t: String!) { addTodo(input: { title: $t }) { id title } }', {
            token: await token(`writer-${title}`),
            variables: { t: title },
          });
          if (body.data?.addTodo?.title === title && !body.errors) succeeded.add(title);
          else {
            failed += 1;
            // Reported as failed: an error with a code, never silent null data.
            if (typeof body.errors?.[0].extensions?.code !== 'string' || ![200, 500, 503].includes(status)) {
              unexpected.push({ status, body });
            }
          }
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      for (let round = 0; round < 5; round++) {
        await new Promise((r) => setTimeout(r, 150));
        const { rows } = await admin.query(
          'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1',
          [applicationName(storage.schema)],
        );
        killed += rows.length;
      }
      await new Promise((r) => setTimeout(r, 150));
      stop = true;
      await Promise.all(writers);
      const { rows } = await admin.query<{ title: string }>(`SELECT title FROM "${storage.schema}".todos WHERE owner_id LIKE 'writer-%'`);
      expect(unexpected).toEqual([]);
      const stored = new Set(rows.map((r) => r.title));
      const lost = [...succeeded].filter((t) => !stored.has(t));
      expect(killed).toBeGreaterThan(0);
      expect(succeeded.size).toBeGreaterThan(0);
      expect(lost).toEqual([]);
      // Nothing stored that the client was told had failed is a possibility (commit then lost answer), never the reverse.
      expect(stored.size).toBeGreaterThanOrEqual(succeeded.size);
      expect(stored.size).toBeLessThanOrEqual(succeeded.size + failed);
    } finally {
      await admin.end();
    }
  });
});

describe('supergraph replaced with an invalid one under load', () => {
  let stack: Stack;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portico-supergraph-'));
    file = join(dir, 'supergraph.graphql');
    writeFileSync(file, readFileSync('schema/supergraph.graphql'));
    // Budgets off: the load below would spend one client's points; throttling is not what is tested.
    stack = await startStack({ supergraph: { path: file, watch: true }, cost: { budgets: { enabled: false } } });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the old schema and fails no request', async () => {
    const alice = await token('alice', { name: 'Alice' });
    let stop = false;
    const failures: unknown[] = [];
    let answered = 0;
    const load = async () => {
      for (let i = 0; !stop && i < 2000; i++) {
        const { status, body } = await graphql(stack.url, '{ me { id name } todos { nodes { id } } }', { token: alice });
        answered += 1;
        if (status !== 200 || body.errors) failures.push({ status, errors: body.errors });
      }
    };
    const loaders = [load(), load(), load()];
    await new Promise((r) => setTimeout(r, 200));
    writeFileSync(file, 'this is not { a supergraph');
    await new Promise((r) => setTimeout(r, 500));
    writeFileSync(file, readFileSync('schema/supergraph.graphql', 'utf8').replace(/@link\(url: "https:\/\/specs\.apollo\.dev\/join\/v0\.\d+"[^)]*\)/, ''));
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(loaders);
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(20);
    const after = await graphql(stack.url, '{ me { id } }', { token: alice });
    expect(after.body).toMatchObject({ data: { me: { id: 'alice' } } });
  });
});
