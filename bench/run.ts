// `npm run bench`: starts the bench subgraphs, the gateways and the load generator, each in its own
// process, checks every gateway's answers, then measures them in interleaved rounds.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { variantKey, writeSupergraph } from './compose.js';
import { gatewayEnv } from './gateways/env.js';
import { GATEWAYS, type GatewayDefinition } from './gateways/index.js';
import { startLoadGenerator, type LoadGenerator } from './load.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { processTreeCpuMs, processTreeRssMb } from './cpu-time.js';
import { graphById, type BenchGraph } from './graphs.js';
import { ensurePeers } from './peers.js';
import { startChild, tasksetWorks, type Child } from './processes.js';
import { formatTable, summarize, type Cell } from './report.js';
import { verifyWorkload } from './verify.js';
import { WORKLOADS, type Workload } from './workloads.js';
import { benchSubscriptions, formatSubscriptionTable, type SubscriptionRow } from './live/run.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const JWT_SECRET = 'portico-bench-jwt-secret-0123456789abcdef';
const SUBGRAPH_SECRET = 'portico-bench-subgraph-secret-0123456789';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** Gateways on the last core, subgraphs and load on the first: the gateway is what is measured. */
function cpuPlan(options: BenchOptions): { gateway?: number; rest?: number; note: string } {
  const count = cpus().length;
  if (!options.pin) return { note: 'not pinned (--no-pin)' };
  if (count < 2) return { note: `not pinned: ${count} core` };
  if (!tasksetWorks()) return { note: 'not pinned: taskset missing or not permitted' };
  return { gateway: count - 1, rest: 0, note: `gateway pinned to CPU ${count - 1}; subgraphs, load generator on CPU 0` };
}

function bearerToken(): Promise<string> {
  return new SignJWT({ scope: 'todos:read todos:write reviews:read', name: 'Bench User', email: 'bench@example.com' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-1')
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(JWT_SECRET));
}

function gitRevision(): string | undefined {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).stdout.trim();
  return `${head.stdout.trim()}${dirty ? ' (src/ modified)' : ''}`;
}

interface GatewayStart {
  graph: BenchGraph;
  subgraphUrls: Record<string, string>;
  cpu: number | undefined;
  profileDir: string | undefined;
  /** Whether bench/peers/package.json's packages are installed (the gateways with `peers` need them). */
  peers: boolean;
}

async function startGateways(definitions: GatewayDefinition[], { graph, subgraphUrls, cpu, profileDir, peers }: GatewayStart) {
  const started = new Map<string, Child<{ url: string }>>();
  const failures = new Map<string, string>();
  const supergraphs = new Map<string, string>();
  for (const gateway of definitions) {
    if (!gateway.script) continue;
    if (gateway.peers && !peers) {
      failures.set(gateway.id, 'not installed: npm ci --prefix bench/peers failed');
      continue;
    }
    try {
      const key = variantKey(gateway.supergraph);
      if (!supergraphs.has(key)) {
        supergraphs.set(key, writeSupergraph(graph, subgraphUrls, gateway.supergraph));
        log(`${graph.id} supergraph ${key} at ${supergraphs.get(key)}`);
      }
      const env = { ...gatewayEnv({ supergraph: supergraphs.get(key)!, jwtSecret: JWT_SECRET, subgraphSecret: SUBGRAPH_SECRET }), ...gateway.env };
      // One directory per graph and gateway: tsx's loader thread writes a profile of its own next to the main thread's (the larger file).
      const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}/${graph.id}/${gateway.id}`] : [];
      started.set(gateway.id, await startChild({ script: `${BENCH_DIR}/${gateway.script}`, env, cpu: gateway.pin === false ? undefined : cpu, nodeArgs }));
      log(`${gateway.id} ready at ${started.get(gateway.id)!.ready.url}`);
    } catch (error) {
      failures.set(gateway.id, `did not start: ${(error as Error).message.split('\n').slice(0, 4).join(' ')}`);
      log(`${gateway.id} ${failures.get(gateway.id)}`);
    }
  }
  return { started, failures };
}

/**
 * Waits (at most 10 s) until a gateway's processes have used at most one clock tick of CPU in each of
 * 3 successive 100 ms (one quiet interval can be a gateway waiting for a subgraph on a busy core).
 */
async function untilIdle(pid: number | undefined): Promise<void> {
  let before = processTreeCpuMs(pid);
  let quiet = 0;
  for (let waited = 0; before !== undefined && quiet < 3 && waited < 10_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = processTreeCpuMs(pid);
    if (now === undefined) return;
    quiet = now - before <= 10 ? quiet + 1 : 0;
    before = now;
  }
}

async function measure(options: BenchOptions, load: LoadGenerator, cells: Cell[], urls: Map<string, string>, pids: Map<string, number | undefined>, headers: Record<string, string>) {
  const live = cells.filter((cell) => urls.has(cell.gateway.id) && !cell.problems.length);
  const connections = (cell: Cell) => options.connections ?? cell.workload.connections ?? 10;
  const run = (cell: Cell, durationSeconds: number, gatewayPid?: number) =>
    load.run({ url: urls.get(cell.gateway.id)!, workload: cell.workload.id, durationSeconds, connections: connections(cell), headers, gatewayPid });
  if (options.warmupSeconds > 0) {
    log(`warm-up: ${options.warmupSeconds}s per gateway and workload`);
    for (const cell of live) await run(cell, options.warmupSeconds);
  }
  // Before each measured run, an unmeasured half second: the previous cell may have left the subgraphs'
  // memoised answers invalidated (the mixed workload's mutations) or the gateway cold; whichever
  // gateway comes next would otherwise pay for that alone.
  // Then the gateway is left to finish what that load left in flight, so that its CPU counts for nobody.
  const settle = async (cell: Cell) => {
    if (!options.smoke) await run(cell, 0.5);
    await untilIdle(pids.get(cell.gateway.id));
  };
  for (let round = 1; round <= options.rounds; round++) {
    for (const cell of live) {
      await settle(cell);
      const result = await run(cell, options.durationSeconds * (cell.workload.durationFactor ?? 1), pids.get(cell.gateway.id));
      result.gatewayRssMb = processTreeRssMb(pids.get(cell.gateway.id));
      cell.rounds.push(result);
      log(`round ${round}/${options.rounds} ${cell.workload.id} ${cell.gateway.id}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.latencyP99} ms${result.gatewayCpuMs === undefined ? '' : `, ${((1000 * result.gatewayCpuMs) / result.requests).toFixed(0)} µs CPU/req`}${result.gatewayRssMb === undefined ? '' : `, RSS ${result.gatewayRssMb.toFixed(0)} MB`}`);
    }
  }
  if (options.latencySeconds <= 0) return;
  // What one client waits for: one connection, one request at a time, interleaved the same way.
  for (let round = 1; round <= options.rounds; round++) {
    for (const cell of live) {
      await settle(cell);
      const result = await load.run({ url: urls.get(cell.gateway.id)!, workload: cell.workload.id, durationSeconds: options.latencySeconds, connections: 1, headers, mode: 'latency' });
      cell.latency.push(result);
      log(`latency ${round}/${options.rounds} ${cell.workload.id} ${cell.gateway.id}: p50 ${result.latencyP50.toFixed(2)} ms, p99 ${result.latencyP99.toFixed(2)} ms`);
    }
  }
}

/** One graph's part of the run: its subgraphs and gateways are started, measured on its workloads, and stopped. */
async function benchGraph(graph: BenchGraph, workloads: Workload[], gateways: GatewayDefinition[], run: { options: BenchOptions; load: LoadGenerator; cpu: ReturnType<typeof cpuPlan>; peers: boolean; headers: Record<string, string> }): Promise<Cell[]> {
  const { options, load, cpu, headers } = run;
  const stops: Array<() => Promise<void>> = [];
  try {
    const subgraphs = await startChild<Record<string, string>>({ script: `${BENCH_DIR}/subgraphs-main.ts`, env: { BENCH_GRAPH: graph.id }, cpu: cpu.rest });
    stops.push(subgraphs.stop);
    log(`${graph.id} subgraphs ready`);
    const { started, failures } = await startGateways(gateways, { graph, subgraphUrls: subgraphs.ready, cpu: cpu.gateway, profileDir: options.profileDir, peers: run.peers });
    for (const child of started.values()) stops.push(child.stop);
    const urls = new Map([...started].map(([id, child]) => [id, child.ready.url]));
    const pids = new Map([...started].map(([id, child]) => [id, child.process.pid]));

    // Workload-major order, gateways interleaved inside: A B C for list, A B C for single, …
    const cells: Cell[] = workloads.flatMap((workload) => gateways.map((gateway) => ({ workload, gateway, rounds: [], latency: [], problems: [] })));
    for (const cell of cells) {
      const failure = failures.get(cell.gateway.id);
      if (failure) cell.problems.push(failure);
      else if (urls.has(cell.gateway.id)) cell.problems.push(...(await verifyWorkload(urls.get(cell.gateway.id)!, cell.workload, headers, cell.gateway.expectCache)));
      if (cell.problems.length) log(`${cell.gateway.id} on ${cell.workload.id}: ${cell.problems.join('; ')}`);
    }
    await measure(options, load, cells, urls, pids, headers);
    return cells;
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

async function bench(options: BenchOptions): Promise<boolean> {
  const cpu = cpuPlan(options);
  log(`${cpus().length} cores; ${cpu.note}`);
  const workloads: Workload[] = WORKLOADS.filter((w) => options.workloads.includes(w.id));
  const gateways: GatewayDefinition[] = GATEWAYS.filter((g) => options.gateways.includes(g.id));
  // The subscriptions workload measures no peer (see bench/live/run.ts).
  const peers = !gateways.some((g) => g.peers) || workloads.every((w) => w.graph === 'live') || ensurePeers(`${BENCH_DIR}/peers`, log);
  const load = await startLoadGenerator(cpu.rest);
  try {
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${await bearerToken()}` };
    // Graph by graph (each graph's gateways only live during its part), in the order of the workloads.
    const cells: Cell[] = [];
    let subscriptions: SubscriptionRow[] = [];
    for (const graphId of new Set(workloads.map((w) => w.graph))) {
      if (graphId === 'live') subscriptions = await benchSubscriptions(gateways, { options, cpu, jwtSecret: JWT_SECRET, subgraphSecret: SUBGRAPH_SECRET, log });
      else cells.push(...(await benchGraph(graphById(graphId), workloads.filter((w) => w.graph === graphId), gateways, { options, load, cpu, peers, headers })));
    }

    const rows = summarize(cells);
    if (cells.length) process.stdout.write(`\n${formatTable(rows, workloads)}\n\n`);
    if (subscriptions.length) process.stdout.write(`\n${formatSubscriptionTable(subscriptions)}\n\n`);
    if (options.out) {
      mkdirSync(dirname(options.out), { recursive: true });
      const machine = { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, platform: process.platform, loadavg: loadavg(), pinning: cpu.note };
      const { profileDir: _profile, ...settings } = { ...options, out: relative(process.cwd(), options.out) };
      writeFileSync(options.out, `${JSON.stringify({ generatedAt: new Date().toISOString(), revision: gitRevision(), machine, options: settings, workloads: workloads.map(({ id, label }) => ({ id, label })), results: rows, ...(subscriptions.length ? { subscriptions } : {}) }, null, 2)}\n`);
      log(`results written to ${options.out}`);
    }
    const failed = [...rows, ...subscriptions].filter((row) => row.status === 'failed');
    for (const row of failed) log(`FAILED ${row.gateway} on ${row.workload}: ${row.note}`);
    return failed.length === 0;
  } finally {
    await load.stop();
  }
}

const parsed = parseOptions(process.argv.slice(2), process.env, `${BENCH_DIR}/results/latest.json`);
if (parsed === 'help') {
  process.stdout.write(`${USAGE}\n`);
} else {
  const ok = await bench(parsed);
  process.exit(ok ? 0 : 1);
}
