// npm start: every subgraph in schema/subgraphs.yaml that has a `subgraphs/<name>/main.ts`, on the port
// of its routing URL, and the gateway; each its own process, stopped together. One line says "ready",
// with the URLs, once the gateway is ready and every subgraph it knows answers (scripts/wait-ready.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseCli } from '../src/cli.js';
import { loadConfigFile } from '../src/config/index.js';
import { readSubgraphList } from '../src/gateway/compose.js';
import { gatewayPublicKey } from '../src/identity/signed-identity.js';
import { baseUrl } from '../src/observability/metrics-listener.js';
import { waitUntilReady } from './wait-ready.js';

// The subgraphs never get the gateway's secret: its public key when one is set, the dev key otherwise.
const { PORTICO_SUBGRAPH_SECRET: secret, ...subgraphEnv } = process.env;
if (secret && !subgraphEnv.PORTICO_GATEWAY_PUBLIC_KEYS) {
  try {
    subgraphEnv.PORTICO_GATEWAY_PUBLIC_KEYS = gatewayPublicKey(secret);
  } catch {
    // An unusable secret: the gateway says so and exits, which stops the subgraphs too.
  }
}

const subgraphs = readSubgraphList('schema/subgraphs.yaml')
  .filter(({ name }) => existsSync(`subgraphs/${name}/main.ts`))
  .map(({ name, url }) => ({ name, entry: `subgraphs/${name}/main`, args: [], base: subgraphEnv, env: { PORT: new URL(url).port } }));
const services = [...subgraphs, { name: 'gateway', entry: 'src/main', args: process.argv.slice(2), base: process.env, env: {} }];

const children: ChildProcess[] = [];
let stopping = false;

function stopAll(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5000).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))))).then(() => process.exit(code));
}

for (const { name, entry, args, base, env } of services) {
  // bin/run.mjs: the compiled entry under NODE_ENV=production (npm run build), the sources through tsx otherwise.
  const child = spawn(process.execPath, ['bin/run.mjs', entry, ...args], {
    stdio: 'inherit',
    env: { ...base, ...env, APOLLO_TELEMETRY_DISABLED: process.env.APOLLO_TELEMETRY_DISABLED ?? 'true' },
  });
  child.on('exit', (code) => {
    if (!stopping) {
      process.stderr.write(`${name} exited with code ${code}; stopping the others\n`);
      stopAll(code || 1);
    }
  });
  children.push(child);
}

process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

// Where the gateway will listen, read as it reads it; a config it refuses is left for it to report.
const action = parseCli(process.argv.slice(2));
const config = action.kind === 'serve' ? await loadConfigFile({ file: action.configFile, overrides: action.overrides }).catch(() => undefined) : undefined;
if (config) {
  const { host, port } = config.server;
  const local = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(host);
  const probe = baseUrl(host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port);
  const base = baseUrl(local ? 'localhost' : host, port);
  const started = Date.now();
  waitUntilReady(probe, {
    timeoutMs: 180_000,
    onSlow: (missing) => process.stderr.write(`portico: still starting, waiting for ${missing.join(', ')}\n`),
  }).then(
    ({ subgraphs }) => {
      if (stopping) return;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      const urls = [...(config.sandbox ? [`Sandbox ${base}/`] : []), `GraphQL ${base}/graphql`].join('  ');
      process.stdout.write(`\nPortico is ready in ${seconds} s: ${urls}  (subgraphs up: ${Object.keys(subgraphs).sort().join(', ')})\n\n`);
    },
    (error: Error) => {
      if (!stopping) process.stderr.write(`portico: ${error.message}\n`);
    },
  );
}
