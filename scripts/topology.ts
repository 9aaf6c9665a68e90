// The production topology without Docker (run by .ci/ops): nginx with deploy/nginx.conf in front of two
// gateway processes, the todos and users subgraphs on PostgreSQL, one Redis; everything in production
// mode with secrets of its own. Checks that a client through nginx sees one API (both gateways serve it,
// the cache, its invalidation and the budgets are shared) and that one gateway killed (SIGKILL) under
// a write load loses no acknowledged write. Prints one line per check; exits 1 if one fails.
//   DATABASE_URL=postgres://… REDIS_URL=redis://… node --import tsx scripts/topology.ts
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClient } from '@redis/client';
import { SignJWT } from 'jose';
import pg from 'pg';
import { gatewayPublicKey } from '../src/identity/signed-identity.js';
import { freePort } from './free-port.js';
import { waitUntilReady } from './wait-ready.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const started = Date.now();
const run = randomBytes(4).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'portico-topology-'));
const jwtSecret = randomBytes(32).toString('base64url');
const subgraphSecret = randomBytes(32).toString('base64url');
const schemas = { users: `topo_users_${run}`, todos: `topo_todos_${run}` };
const redisPrefix = `topo-${run}`;

const children: ChildProcess[] = [];
const logs: string[] = [];

/** Starts a process with its output in `<dir>/<name>.log` (shown when a check fails). */
function start(name: string, command: string, args: string[], env: Record<string, string>): ChildProcess {
  const log = join(dir, `${name}.log`);
  logs.push(log);
  const out = createWriteStream(log);
  const child = spawn(command, args, { cwd: repo, env: { ...process.env, APOLLO_TELEMETRY_DISABLED: 'true', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  children.push(child);
  return child;
}

const node = (name: string, entry: string, env: Record<string, string>) => start(name, process.execPath, ['--import', 'tsx', entry], env);

function token(sub: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(jwtSecret));
}

interface Answer {
  status: number;
  upstream: string;
  cache: string | null;
  body: { data?: any; errors?: Array<{ extensions?: { code?: string } }> };
}

async function post(url: string, query: string, bearer: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: Answer['body'] = {};
  try {
    body = JSON.parse(text) as Answer['body'];
  } catch {
    // nginx's own error page (502 while a gateway dies)
  }
  return { status: response.status, upstream: response.headers.get('x-upstream') ?? '?', cache: response.headers.get('x-cache'), body };
}

/** deploy/nginx.conf with Docker's name resolution replaced by the two gateways' ports, and its files in `dir`. */
function nginxConfig(listen: number, gateways: number[]): string {
  const source = readFileSync(join(repo, 'deploy/nginx.conf'), 'utf8');
  const marks = ['resolver 127.0.0.11 valid=10s;', 'set $gateway http://gateway:4000;', 'proxy_pass $gateway;', 'listen 8080;'];
  for (const mark of marks) if (!source.includes(mark)) throw new Error(`deploy/nginx.conf no longer has "${mark}": update scripts/topology.ts`);
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { mode: 0o777, recursive: true });
  const files = [
    'daemon off;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/nginx-error.log warn;`,
  ].join('\n');
  const http = [
    'access_log off;',
    ...['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((sub) => `${sub === 'body' ? 'client_body' : sub}_temp_path ${dir}/${sub};`),
    `upstream gateways { ${gateways.map((p) => `server 127.0.0.1:${p};`).join(' ')} }`,
  ].join('\n  ');
  return `${files}\n${source}`
    .replace('resolver 127.0.0.11 valid=10s;', http)
    .replace('set $gateway http://gateway:4000;', '# (the gateways: upstream above)')
    .replace('proxy_pass $gateway;', 'proxy_pass http://gateways;\n      add_header X-Upstream $upstream_addr always;')
    .replace('listen 8080;', `listen 127.0.0.1:${listen};`);
}

const results: Array<{ name: string; ok: boolean; detail: string }> = [];
async function check(name: string, body: () => Promise<string>): Promise<void> {
  const t = Date.now();
  try {
    const detail = await body();
    results.push({ name, ok: true, detail });
    console.log(`ok    ${name}: ${detail} (${Date.now() - t} ms)`);
  } catch (error) {
    results.push({ name, ok: false, detail: (error as Error).message });
    console.log(`FAIL  ${name}: ${(error as Error).message}`);
  }
}
function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function main(): Promise<void> {
  const [usersPort, todosPort, g1Port, g2Port, edgePort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const subgraphEnv = { NODE_ENV: 'production', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, PORTICO_GATEWAY_PUBLIC_KEYS: gatewayPublicKey(subgraphSecret), LOG_LEVEL: 'warn' };
  node('users', 'subgraphs/users/main.ts', { ...subgraphEnv, PORT: String(usersPort), DATABASE_SCHEMA: schemas.users });
  node('todos', 'subgraphs/todos/main.ts', { ...subgraphEnv, PORT: String(todosPort), DATABASE_SCHEMA: schemas.todos });

  // The repo's config (its policies) with one small plan, for the shared-budget check.
  const config = join(dir, 'portico.config.ts');
  writeFileSync(
    config,
    `import base from ${JSON.stringify(pathToFileURL(join(repo, 'portico.config.ts')).href)};\n` +
      `export default { ...base, cost: { budgets: { plans: { tiny: { capacity: 20, restoreRate: 0.001 } }, clients: { 'sub:budget-${run}': 'tiny' } } } };\n`,
  );
  const gatewayEnv = (port: number) => ({
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PORTICO_METRICS_PORT: '0',
    PORTICO_CONFIG: config,
    PORTICO_JWT_SECRET: jwtSecret,
    PORTICO_SUBGRAPH_SECRET: subgraphSecret,
    PORTICO_SUBGRAPH_USERS_URL: `http://127.0.0.1:${usersPort}/graphql`,
    PORTICO_SUBGRAPH_TODOS_URL: `http://127.0.0.1:${todosPort}/graphql`,
    PORTICO_SUPERGRAPH_WATCH: 'false',
    PORTICO_TRUST_PROXY: 'true',
    REDIS_URL: redisUrl,
    PORTICO_REDIS_PREFIX: redisPrefix,
    LOG_LEVEL: 'warn',
  });
  const g1 = node('gateway-1', 'src/main.ts', gatewayEnv(g1Port));
  node('gateway-2', 'src/main.ts', gatewayEnv(g2Port));
  const died = new Promise<never>((_, reject) => {
    for (const child of children) child.once('exit', (code) => reject(new Error(`a process exited (${code}) during start-up`)));
  });
  await Promise.race([Promise.all([g1Port, g2Port].map((p) => waitUntilReady(`http://127.0.0.1:${p}`, { timeoutMs: 60_000, intervalMs: 100 }))), died]);
  console.log(`ready: 2 gateways, 2 subgraphs in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(edgePort, [g1Port, g2Port]));
  const nginx = start('nginx', 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], {});
  const edge = `http://127.0.0.1:${edgePort}/graphql`;
  await Promise.race([waitUntilReady(`http://127.0.0.1:${edgePort}`, { timeoutMs: 10_000, intervalMs: 50 }), died]);
  const upstream = (port: number) => `127.0.0.1:${port}`;

  await check('one API through nginx, served by both gateways', async () => {
    const bearer = await token(`reader-${run}`);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(edge, '{ me { id } }', bearer)));
    assert(answers.every((a) => a.status === 200 && !a.body.errors), `answers: ${answers.map((a) => a.status).join(',')}`);
    const seen = new Set(answers.map((a) => a.upstream));
    assert(seen.has(upstream(g1Port)) && seen.has(upstream(g2Port)), `served by ${[...seen].join(', ')}`);
    return `6 answers from ${[...seen].join(' and ')}`;
  });

  await check('the cache and its invalidation are shared', async () => {
    const owner = await token(`owner-${run}`);
    const list = '{ todos { nodes { title } } }';
    await post(edge, 'mutation { addTodo(input: { title: "first" }) { id } }', owner);
    const miss = await post(edge, list, owner);
    const hit = await post(edge, list, owner);
    assert(miss.cache === 'MISS' && hit.cache === 'HIT', `x-cache ${miss.cache} then ${hit.cache}`);
    assert(hit.upstream !== miss.upstream, `stored and served by the same gateway (${hit.upstream})`);
    const write = await post(edge, 'mutation { addTodo(input: { title: "second" }) { id } }', owner);
    const fresh = await post(edge, list, owner);
    const titles = (fresh.body.data?.todos.nodes ?? []).map((t: { title: string }) => t.title).sort();
    assert(fresh.cache === 'MISS' && titles.join() === 'first,second', `after the write: x-cache ${fresh.cache}, titles ${titles.join()}`);
    return `stored by ${miss.upstream}, hit on ${hit.upstream}; a write through ${write.upstream} evicted it for ${fresh.upstream}`;
  });

  await check('budgets are shared', async () => {
    const bearer = await token(`budget-${run}`);
    // `{ me { id } }` costs 1; the plan holds 20 points and restores next to none.
    const answers = await Promise.all(Array.from({ length: 60 }, () => post(edge, '{ me { id } }', bearer)));
    const admitted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429 && a.body.errors?.[0]?.extensions?.code === 'THROTTLED');
    // Both gateways took requests: with a budget each of their own, they would admit 20 each.
    const perGateway = [g1Port, g2Port].map((p) => answers.filter((a) => a.upstream === upstream(p)).length);
    assert(perGateway.every((n) => n > 20), `requests per gateway ${perGateway.join(' and ')}: both need more than 20`);
    assert(admitted.length === 20 && refused.length === 40, `${admitted.length} admitted, ${refused.length} refused (THROTTLED)`);
    return `20 admitted, 40 refused of 60 (${perGateway.join(' and ')} per gateway)`;
  });

  await check('one gateway killed under a write load loses no acknowledged write', async () => {
    const writers = 16;
    const perWriter = 50; // addTodo's @rateLimit admits 60 a minute per caller
    const acknowledged: string[] = [];
    const statuses = new Map<string, number>();
    let killedAt = 0;
    let afterKill = 0;
    const deadline = () => killedAt > 0 && Date.now() - killedAt > 2000;
    const loop = async (w: number) => {
      const bearer = await token(`writer-${w}-${run}`);
      for (let n = 0; n < perWriter && !deadline(); n++) {
        const answer = await post(edge, `mutation { addTodo(input: { title: "w${w}-${n}" }) { id } }`, bearer).catch(() => undefined);
        const key = answer ? String(answer.status) : 'no answer';
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        const id = answer?.status === 200 && !answer.body.errors ? (answer.body.data?.addTodo?.id as string | undefined) : undefined;
        if (id) {
          acknowledged.push(id);
          if (killedAt) afterKill++;
        }
      }
    };
    let loaded = false;
    const load = Promise.all(Array.from({ length: writers }, (_, w) => loop(w))).finally(() => (loaded = true));
    while (acknowledged.length < 60 && !loaded) await new Promise((r) => setTimeout(r, 20));
    assert(!loaded, `the writers stopped before 60 writes were acknowledged: statuses ${[...statuses].join(' ')}`);
    g1.kill('SIGKILL');
    killedAt = Date.now();
    await load;
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM ${schemas.todos}.todos WHERE id = ANY($1::uuid[])`, [acknowledged]);
      const stored = new Set(rows.map((r) => r.id));
      const lost = acknowledged.filter((id) => !stored.has(id));
      assert(lost.length === 0, `${lost.length} of ${acknowledged.length} acknowledged writes are not in PostgreSQL`);
    } finally {
      await db.end();
    }
    assert(afterKill > 0, 'no write was acknowledged after the kill');
    return `${acknowledged.length} acknowledged (${afterKill} after the kill), all in PostgreSQL; statuses ${[...statuses].map(([s, c]) => `${s}×${c}`).join(' ')}`;
  });
  nginx.kill('SIGQUIT');
}

async function cleanup(): Promise<void> {
  await Promise.all(
    children.map((child) => new Promise<void>((r) => {
      if (child.exitCode !== null || child.signalCode !== null) return r();
      child.once('exit', () => r());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    })),
  );
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect().then(async () => {
    for (const schema of Object.values(schemas)) await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  }, () => undefined);
  const redis = createClient({ url: redisUrl });
  await redis.connect().then(async () => {
    for await (const keys of redis.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 500 })) if (keys.length > 0) await redis.del(keys);
    await redis.quit();
  }, () => undefined);
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.log(`FAIL  topology: ${(error as Error).message}`);
}
await cleanup();
failed ||= results.some((r) => !r.ok);
if (failed) for (const log of logs) console.log(`--- ${log}\n${readFileSync(log, 'utf8').slice(-3000)}`);
rmSync(dir, { recursive: true, force: true });
const passed = results.filter((r) => r.ok).length;
console.log(`topology: ${passed} of ${results.length} checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (process.env.PORTICO_TOPOLOGY_RESULTS) {
  writeFileSync(process.env.PORTICO_TOPOLOGY_RESULTS, JSON.stringify({ numPassedTests: passed, numFailedTests: failed ? Math.max(1, results.length - passed) : 0 }));
}
process.exit(failed ? 1 : 0);
