// The subscriptions row of `npm run bench`: the demo subgraphs in one process, the gateway in
// another (pinned like the others), the subscribers and the mutation sender in a third.
import { SignJWT } from 'jose';
import { writeSupergraph } from '../compose.js';
import { processTreeRssMb } from '../cpu-time.js';
import { gatewayEnv } from '../gateways/env.js';
import type { GatewayDefinition } from '../gateways/index.js';
import type { BenchOptions } from '../options.js';
import { startChild, type Child } from '../processes.js';
import { median } from '../report.js';
import { LIVE_GRAPH } from './graph.js';
import type { SubscriptionCommand, SubscriptionReply, SubscriptionResult, SubscriptionRound } from './types.js';
import { IN_FLIGHT } from './workload.js';

const BENCH_DIR = new URL('..', import.meta.url).pathname;

/** Why a gateway has no subscriptions row; those not named here and not Portico's miss row are left out. */
export const NO_SUBSCRIPTIONS: Record<string, string> = {
  apollo: 'not measured: @apollo/gateway serves no subscriptions',
  // Probed by hand (Hive Gateway 2.15.1, transportEntries todos: subscriptions { kind: 'ws' }, graphql-ws on its port):
  // it opens its graphql-ws connection to the todos subgraph, which closes it with 4401.
  hive: 'not measured: Hive Gateway subscribes to the todos subgraph over graphql-ws, which closes it with 4401 (no Portico-signed identity in connection_init)',
  'hive-router': 'not measured: as Hive Gateway (the todos subgraph refuses an upstream connection without a Portico-signed identity)',
};

export interface SubscriptionRow {
  workload: 'subscriptions';
  gateway: string;
  label: string;
  status: 'ok' | 'failed' | 'unavailable';
  note?: string;
  subscribers: number;
  /** Medians over rounds. */
  eventsPerSecond?: number;
  mutationsPerSecond?: number;
  latencyP50Ms?: number;
  latencyP99Ms?: number;
  cpuMicrosPerEvent?: number;
  rssMb?: number;
  /** The mutations' own HTTP answer, p50 ms (the todos subgraph answers once it has published). */
  mutationP50Ms?: number;
  /** One mutation at a time: medians over rounds. */
  oneSenderP50Ms?: number;
  oneSenderP99Ms?: number;
  rounds: SubscriptionRound[];
}

export interface LiveRun {
  options: BenchOptions;
  cpu: { gateway?: number; rest?: number };
  jwtSecret: string;
  subgraphSecret: string;
  log(line: string): void;
}

/** The owner of the to-do every subscriber watches: one subject, so each subscriber gets every event. */
const ownerToken = (secret: string) =>
  new SignJWT({ scope: 'todos:read todos:write', name: 'Bench Owner', email: 'owner@bench.example' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('bench-owner')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(secret));

async function runLoad(command: SubscriptionCommand, cpu: number | undefined, log: (line: string) => void): Promise<SubscriptionResult> {
  const load = await startChild<true>({ script: `${BENCH_DIR}live/load-worker.ts`, cpu, ipc: true });
  try {
    return await new Promise<SubscriptionResult>((resolve, reject) => {
      load.process.on('message', (reply: SubscriptionReply) => {
        if ('progress' in reply) log(`subscriptions: ${reply.progress}`);
        else if ('error' in reply) reject(new Error(reply.error));
        else resolve(reply.result);
      });
      load.process.once('exit', (code) => reject(new Error(`the subscriptions load exited (${code})`)));
      load.process.send(command);
    });
  } finally {
    await load.stop();
  }
}

function toRow(gateway: GatewayDefinition, subscribers: number, result: SubscriptionResult): SubscriptionRow {
  const { rounds } = result;
  const missed = rounds.reduce((n, r) => n + r.missed, 0);
  const mutationErrors = rounds.reduce((n, r) => n + r.mutationErrors, 0);
  const failed = missed + mutationErrors + result.ended > 0;
  const cpu = rounds.flatMap((r) => (r.gatewayCpuMs === undefined || !r.deliveries ? [] : [(1000 * r.gatewayCpuMs) / r.deliveries]));
  const rss = rounds.flatMap((r) => (r.gatewayRssMb === undefined ? [] : [r.gatewayRssMb]));
  const alone = rounds.flatMap((r) => (r.oneSender ? [r.oneSender] : []));
  return {
    workload: 'subscriptions',
    gateway: gateway.id,
    label: gateway.label,
    status: failed ? 'failed' : 'ok',
    ...(failed ? { note: `${missed} events missed, ${mutationErrors} mutation errors, ${result.ended} subscriptions ended${result.endings.length ? `: ${result.endings.join('; ')}` : ''}` } : {}),
    subscribers,
    eventsPerSecond: median(rounds.map((r) => r.eventsPerSecond)),
    mutationsPerSecond: median(rounds.map((r) => r.mutationsPerSecond)),
    latencyP50Ms: median(rounds.map((r) => r.latencyP50)),
    latencyP99Ms: median(rounds.map((r) => r.latencyP99)),
    mutationP50Ms: median(rounds.map((r) => r.mutationP50)),
    ...(cpu.length ? { cpuMicrosPerEvent: median(cpu) } : {}),
    ...(rss.length ? { rssMb: median(rss) } : {}),
    ...(alone.length ? { oneSenderP50Ms: median(alone.map((a) => a.latencyP50)), oneSenderP99Ms: median(alone.map((a) => a.latencyP99)) } : {}),
    rounds,
  };
}

/** Starts the demo subgraphs and each gateway that serves subscriptions in turn, and measures it. */
export async function benchSubscriptions(gateways: GatewayDefinition[], run: LiveRun): Promise<SubscriptionRow[]> {
  const { options, cpu, log } = run;
  const subscribers = options.subscribers;
  const rows: SubscriptionRow[] = [];
  const subgraphs = await startChild<Record<string, string>>({ script: `${BENCH_DIR}live/subgraphs-main.ts`, env: { BENCH_SUBGRAPH_SECRET: run.subgraphSecret }, cpu: cpu.rest });
  try {
    log('live subgraphs ready (the demo users and todos, in-memory)');
    const supergraph = writeSupergraph(LIVE_GRAPH, subgraphs.ready);
    const token = await ownerToken(run.jwtSecret);
    for (const gateway of gateways) {
      if (gateway.id !== 'portico') {
        if (NO_SUBSCRIPTIONS[gateway.id]) rows.push({ workload: 'subscriptions', gateway: gateway.id, label: gateway.label, status: 'unavailable', note: NO_SUBSCRIPTIONS[gateway.id], subscribers, rounds: [] });
        continue;
      }
      let child: Child<{ url: string }> | undefined;
      try {
        // One client (the owner) holds every subscription: the per-client limit (500) is raised to fit.
        const env = { ...gatewayEnv({ supergraph, jwtSecret: run.jwtSecret, subgraphSecret: run.subgraphSecret }), BENCH_MAX_SUBSCRIPTIONS_PER_CLIENT: String(subscribers + 10), BENCH_DEMO_POLICIES: 'true' };
        child = await startChild<{ url: string }>({ script: `${BENCH_DIR}${gateway.script}`, env, cpu: cpu.gateway });
        log(`${gateway.id} ready at ${child.ready.url} (live graph)`);
        const pid = child.process.pid;
        const result = await runLoad(
          {
            url: child.ready.url,
            token,
            subscribers,
            inFlight: IN_FLIGHT,
            warmupSeconds: options.warmupSeconds,
            durationSeconds: options.durationSeconds,
            rounds: options.rounds,
            latencySeconds: options.latencySeconds,
            gatewayPid: pid,
          },
          cpu.rest,
          log,
        );
        for (const round of result.rounds) round.gatewayRssMb = processTreeRssMb(pid);
        rows.push(toRow(gateway, subscribers, result));
      } catch (error) {
        const note = (error as Error).message.split('\n').slice(0, 4).join(' ');
        log(`${gateway.id} on subscriptions: ${note}`);
        rows.push({ workload: 'subscriptions', gateway: gateway.id, label: gateway.label, status: 'failed', note, subscribers, rounds: [] });
      } finally {
        await child?.stop();
      }
    }
  } finally {
    await subgraphs.stop();
  }
  return rows;
}

const fixed = (value: number | undefined, digits: number) => (value === undefined ? '' : value.toFixed(digits));

export function formatSubscriptionTable(rows: SubscriptionRow[]): string {
  const lines = [
    `| workload | gateway | subscribers | events/s delivered | mutations/s | mutation → delivery p50 / p99 ms (${IN_FLIGHT} in flight) | 1 mutation at a time: p50 / p99 ms | mutation answer p50 ms | CPU µs/event | RSS MB |`,
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    const figures =
      row.status === 'ok'
        ? [
            fixed(row.eventsPerSecond, 0),
            fixed(row.mutationsPerSecond, 1),
            `${fixed(row.latencyP50Ms, 1)} / ${fixed(row.latencyP99Ms, 1)}`,
            row.oneSenderP50Ms === undefined ? '' : `${fixed(row.oneSenderP50Ms, 1)} / ${fixed(row.oneSenderP99Ms, 1)}`,
            fixed(row.mutationP50Ms, 1),
            fixed(row.cpuMicrosPerEvent, 1),
            fixed(row.rssMb, 0),
          ]
        : [`${row.status === 'failed' ? 'FAILED ' : ''}${row.note ?? ''}`.slice(0, 200), '', '', '', '', '', ''];
    lines.push(`| todoChanged to ${row.subscribers} subscribers (one owner) | ${row.label} | ${row.subscribers} | ${figures.join(' | ')} |`);
  }
  return lines.join('\n');
}
