// `npm run soak [-- --duration 180 --connections 16]`: a bounded soak of the real stack on loopback.
// The gateway runs in a child process of its own (so its memory and handles are its own); the
// subgraphs and the load generator (autocannon) run here. Mixed traffic: reads, addTodo writes from
// many users, bad documents. The todos subgraph is restarted midway. At the end: requests, errors
// by code, the gateway's memory at start and end, its open handles and sockets, and lost writes
// (every addTodo answered with success must be in the database). Exits 1 when a write was lost,
// the gateway died, or its heap grew past the bound.
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { gatewayPublicKey } from '../src/identity/signed-identity.js';

process.env.APOLLO_TELEMETRY_DISABLED = 'true';

const JWT_SECRET = 'portico-soak-jwt-secret-0123456789abcdef';
const SUBGRAPH_SECRET = 'portico-soak-subgraph-secret-0123456789';
/** The gateway's heap after GC may grow by at most this much between the warm start and the end. */
const HEAP_GROWTH_BOUND_MB = 64;

interface GatewayStats {
  rssMB: number;
  heapUsedMB: number;
  /** Active libuv resources by type (TCPSocketWrap, Timeout, ...). */
  resources: Record<string, number>;
  /** Client connections open on the gateway's HTTP server. */
  connections: number;
  /** File descriptors that are sockets (Linux: /proc/self/fd), client and subgraph connections alike. */
  socketFds: number | null;
}

type ChildMessage = { type: 'ready'; url: string } | { type: 'stats'; stats: GatewayStats };

// ---------------------------------------------------------------------------------------------
// Child mode: the gateway alone, answering "stats" over IPC.
// ---------------------------------------------------------------------------------------------
async function runGatewayChild(): Promise<void> {
  const { loadConfig } = await import('../src/config/index.js');
  const { createPorticoServer } = await import('../src/server/create-server.js');
  const { default: demo } = await import('../portico.config.js');
  const config = loadConfig({
    env: {},
    file: '/dev/null',
    overrides: {
      server: { port: 0 },
      metrics: { port: 0 },
      auth: { jwtSecret: JWT_SECRET },
      subgraphSecret: SUBGRAPH_SECRET,
      subgraphs: JSON.parse(process.env.SOAK_SUBGRAPHS ?? '{}'),
      logging: { level: 'silent' },
      authorization: demo.authorization,
      redisUrl: process.env.REDIS_URL,
      redisPrefix: `soak-${randomUUID()}`,
      // Generous budgets: the soak measures the gateway, not the throttle (the addTodo rate limit still applies).
      cost: { budgets: { capacity: 1_000_000, restoreRate: 1_000_000 } },
      supergraph: { watch: false },
    },
  });
  const server = createPorticoServer(config, pino({ level: 'silent' }));
  const { url } = await server.start();
  const stats = async (): Promise<GatewayStats> => {
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    const resources: Record<string, number> = {};
    for (const name of process.getActiveResourcesInfo()) resources[name] = (resources[name] ?? 0) + 1;
    const connections = await new Promise<number>((resolve) => server.httpServer.getConnections((_e, n) => resolve(n ?? 0)));
    return { rssMB: mb(memory.rss), heapUsedMB: mb(memory.heapUsed), resources, connections, socketFds: socketFds() };
  };
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stats') void stats().then((s) => process.send?.({ type: 'stats', stats: s }));
    if (message.type === 'stop') void server.stop().then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', url });
}

function socketFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;
  } catch {
    return null;
  }
}

function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

// ---------------------------------------------------------------------------------------------
// Parent mode: subgraphs, the gateway child, the load, the report.
// ---------------------------------------------------------------------------------------------
function startGatewayChild(subgraphs: Record<string, { url: string }>): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(new URL(import.meta.url).pathname, ['--gateway-child'], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true', SOAK_SUBGRAPHS: JSON.stringify(subgraphs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}`)));
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({ child, url: message.url });
      }
    });
  });
}

function askStats(child: ChildProcess): Promise<GatewayStats> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('gateway did not report its stats')), 10_000);
    const onMessage = (message: ChildMessage) => {
      if (message.type !== 'stats') return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.stats);
    };
    child.on('message', onMessage);
    child.send({ type: 'stats' });
  });
}

const READS = [
  '{ me { id name } }',
  '{ todos(first: 10) { nodes { id title completed owner { name } } pageInfo { hasNextPage } } }',
  '{ me { id todos(first: 5) { nodes { id title } } } }',
];
const BAD = ['{ me { id }', '{ nope }', '{ me { ...A } } fragment A on User { ...A }'];

async function runSoak(): Promise<number> {
  const { values } = parseArgs({
    options: { duration: { type: 'string', default: '180' }, connections: { type: 'string', default: '16' }, users: { type: 'string', default: '200' } },
  });
  const duration = Number(values.duration);
  const connections = Number(values.connections);
  const userCount = Number(values.users);
  if (!(duration > 0 && connections > 0 && userCount > 0)) throw new Error('--duration, --connections and --users must be positive numbers');

  const { startTodosSubgraph } = await import('../subgraphs/todos/index.js');
  const { startUsersSubgraph } = await import('../subgraphs/users/index.js');
  const { dropStorage } = await import('../subgraphs/runtime/index.js');
  type StorageOptions = Parameters<typeof dropStorage>[0];
  const log = (line: string) => process.stderr.write(`soak: ${line}\n`);

  const dataDir = mkdtempSync(join(tmpdir(), 'portico-soak-'));
  const storageFor = (name: string): StorageOptions =>
    process.env.DATABASE_URL
      ? { kind: 'postgres', url: process.env.DATABASE_URL, schema: `soak_${name}_${randomUUID().slice(0, 8)}` }
      : { kind: 'embedded', dataDir: join(dataDir, name) };
  const storage = { users: storageFor('users'), todos: storageFor('todos') };
  const common = { port: 0, gatewayKeys: [gatewayPublicKey(SUBGRAPH_SECRET)], logger: pino({ level: 'silent' }) };
  const users = await startUsersSubgraph({ ...common, storage: storage.users });
  let todos = await startTodosSubgraph({ ...common, storage: storage.todos });
  const gateway = await startGatewayChild({ users: { url: users.url }, todos: { url: todos.url } });
  let gatewayDied = false;
  gateway.child.once('exit', () => (gatewayDied = true));
  log(`gateway ${gateway.url}, ${duration} s, ${connections} connections, ${userCount} users, storage ${storage.todos.kind}`);

  const key = new TextEncoder().encode(JWT_SECRET);
  const tokens = await Promise.all(
    Array.from({ length: userCount }, (_, i) =>
      new SignJWT({ name: `User ${i}` }).setProtectedHeader({ alg: 'HS256' }).setSubject(`soak-${i}`).setExpirationTime('2h').sign(key),
    ),
  );

  // Warm up, then the baseline.
  await autocannon({ url: gateway.url, method: 'POST', connections: 4, duration: 3, headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` }, body: JSON.stringify({ query: READS[1] }) });
  const start = await askStats(gateway.child);

  const codes = new Map<string, number>();
  const statuses = new Map<number, number>();
  const written = new Set<string>();
  let addsAnswered = 0;
  let sequence = 0;
  const count = <K>(map: Map<K, number>, k: K) => map.set(k, (map.get(k) ?? 0) + 1);
  const onResponse = (status: number, body: string) => {
    count(statuses, status);
    try {
      const parsed = JSON.parse(body) as { data?: { addTodo?: { title?: string } }; errors?: Array<{ extensions?: { code?: string } }> };
      for (const error of parsed.errors ?? []) count(codes, error.extensions?.code ?? 'NO_CODE');
      if (parsed.data?.addTodo?.title && !parsed.errors) written.add(parsed.data.addTodo.title);
    } catch {
      count(codes, 'NOT_JSON');
    }
  };
  const request = (query: () => { query: string; variables?: Record<string, unknown> }, onDone = onResponse): autocannon.Request => ({
    method: 'POST',
    setupRequest: (req) => ({
      ...req,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[sequence++ % userCount]}` },
      body: JSON.stringify(query()),
    }),
    onResponse: onDone,
  });
  const add = request(
    () => ({ query: 'mutation($t: String!) { addTodo(input: { title: $t }) { id title } }', variables: { t: `soak ${randomUUID()}` } }),
    (status, body) => {
      addsAnswered += 1;
      onResponse(status, body);
    },
  );
  const requests = [
    request(() => ({ query: READS[0] })),
    request(() => ({ query: READS[1] })),
    add,
    request(() => ({ query: READS[2] })),
    request(() => ({ query: READS[1] })),
    add,
    request(() => ({ query: BAD[sequence % BAD.length] })),
    request(() => ({ query: READS[0] })),
  ];

  // The todos subgraph goes away and comes back on the same port and storage midway.
  let restartedAt = 0;
  const restart = setTimeout(async () => {
    log('restarting the todos subgraph');
    restartedAt = Date.now();
    await todos.stop();
    await new Promise((r) => setTimeout(r, 1000));
    todos = await startTodosSubgraph({ ...common, port: todos.port, storage: storage.todos });
    log(`todos back after ${Date.now() - restartedAt} ms`);
  }, (duration * 1000) / 2);

  const loadStarted = Date.now();
  const result = await autocannon({ url: gateway.url, connections, duration, requests });
  clearTimeout(restart);

  // Idle a moment so keep-alive connections and timers can settle, then measure.
  await new Promise((r) => setTimeout(r, 3000));
  const end = gatewayDied ? undefined : await askStats(gateway.child);

  const rows = await todos.db.query<{ title: string }>(`SELECT title FROM todos WHERE title LIKE 'soak %'`);
  const stored = new Set(rows.map((r) => r.title));
  const lost = [...written].filter((t) => !stored.has(t));

  const report = {
    durationSeconds: duration,
    connections,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    socketErrors: result.errors,
    timeouts: result.timeouts,
    statuses: Object.fromEntries([...statuses].sort()),
    errorCodes: Object.fromEntries([...codes].sort((a, b) => b[1] - a[1])),
    writes: { answered: addsAnswered, succeeded: written.size, stored: stored.size, lost: lost.length },
    gateway: { alive: !gatewayDied, start, end },
    restartedTodosAtSecond: restartedAt ? Math.round((restartedAt - loadStarted) / 1000) : null,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);

  const heapGrowth = end ? end.heapUsedMB - start.heapUsedMB : Infinity;
  const problems = [
    ...(gatewayDied ? ['the gateway died'] : []),
    ...(lost.length ? [`${lost.length} successful writes are missing`] : []),
    ...(heapGrowth > HEAP_GROWTH_BOUND_MB ? [`heap grew by ${heapGrowth} MB (bound ${HEAP_GROWTH_BOUND_MB} MB)`] : []),
    ...(codes.get('INTERNAL_SERVER_ERROR') ? [`${codes.get('INTERNAL_SERVER_ERROR')} INTERNAL_SERVER_ERROR answers`] : []),
  ];
  log(problems.length ? `FAILED: ${problems.join('; ')}` : `ok: heap ${start.heapUsedMB} → ${end?.heapUsedMB} MB, no lost writes`);

  if (!gatewayDied) {
    gateway.child.send({ type: 'stop' });
    await new Promise((r) => gateway.child.once('exit', r));
  }
  await Promise.all([users.stop(), todos.stop()]);
  await Promise.all([dropStorage(storage.users), dropStorage(storage.todos)]);
  rmSync(dataDir, { recursive: true, force: true });
  return problems.length ? 1 : 0;
}

if (process.argv.includes('--gateway-child')) {
  await runGatewayChild();
} else {
  const code = await runSoak().catch((error: unknown) => {
    process.stderr.write(`soak: ${error instanceof Error ? error.stack : String(error)}\n`);
    return 1;
  });
  process.exit(code);
}
