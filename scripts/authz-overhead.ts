// Throughput of an authenticated query with authorization enforced and with the directives stripped
// (enforcement off), each gateway in its own process, load from this one (autocannon), interleaved.
// npx tsx scripts/authz-overhead.ts   (about a minute; loopback only)
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { spawnGateway } from '../test/helpers/gateway-process.js';
import { graphql, startStack, token } from '../test/helpers/stack.js';

process.env.APOLLO_TELEMETRY_DISABLED = 'true';
const stack = await startStack();
const sdl = readFileSync('schema/supergraph.graphql', 'utf8');
const stripped = sdl.replace(/(?<!directive) @authenticated(?! on)|(?<!directive) @requiresScopes\(scopes: \[[^\n]*?\]\]\)| @policy\(policies: \[[^\n]*?\]\]\)/g, '');
const dir = mkdtempSync(join(tmpdir(), 'authz-overhead-'));
writeFileSync(join(dir, 'on.graphql'), sdl);
writeFileSync(join(dir, 'off.graphql'), stripped);
const env = (file: string) => ({
  PORTICO_SUPERGRAPH: join(dir, file),
  PORTICO_SUBGRAPH_USERS_URL: stack.users.url,
  PORTICO_SUBGRAPH_TODOS_URL: stack.todos.url,
  PORTICO_CACHE: 'false',
  PORTICO_BUDGETS: 'false',
  LOG_LEVEL: 'warn',
  PORTICO_CONFIG: 'portico.config.ts',
});
const on = await spawnGateway({ ...env('on.graphql'), LOG_LEVEL: 'info' });
const off = await spawnGateway({ ...env('off.graphql'), LOG_LEVEL: 'info' }).catch(async (error: unknown) => {
  await on.stop();
  throw error;
});
try {
  const bearer = await token('bench-user', { name: 'Bench', scope: 'users:read:email' });
  for (let i = 0; i < 10; i++) await graphql(on.url, `mutation { addTodo(input: { title: "t${i}" }) { id } }`, { token: bearer });
  const query = JSON.stringify({ query: '{ todos(first: 10) { nodes { id title completed owner { name email } } } }' });
  const run = (url: string) =>
    autocannon({ url, method: 'POST', connections: 10, duration: 8, body: query, headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` } });
  const results: Record<string, number[]> = { on: [], off: [] };
  await run(on.url);
  await run(off.url);
  for (let round = 0; round < 3; round++) {
    for (const [name, gateway] of [['on', on], ['off', off]] as const) {
      const r = await run(gateway.url);
      if (r.non2xx || r.errors) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      results[name].push(r.requests.average);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(`authorization on: ${median(results.on)} req/s, off: ${median(results.off)} req/s, ratio ${(median(results.on) / median(results.off)).toFixed(3)}\n`);
} finally {
  // The gateways are processes of their own: never leave them running.
  await Promise.all([on.stop(), off.stop()]);
  await stack.stop();
}
