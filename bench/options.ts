import { parseArgs } from 'node:util';
import { GATEWAYS } from './gateways/index.js';
import { WORKLOADS } from './workloads.js';

export interface BenchOptions {
  /** Seconds of load per gateway, workload and round. */
  durationSeconds: number;
  /** Seconds of unmeasured load per gateway and workload before the first round. */
  warmupSeconds: number;
  rounds: number;
  /** Concurrent connections autocannon keeps open; undefined: each workload's own (default 10, deep 50). */
  connections?: number;
  /** Seconds of one-connection latency probing per gateway, workload and round; 0 skips it. */
  latencySeconds: number;
  workloads: string[];
  gateways: string[];
  /** One short round; exit code says whether every gateway answered correctly. */
  smoke: boolean;
  /** Fewer, shorter rounds for a quick check (2 × 3 s), written to bench/results/short.json. */
  short: boolean;
  /** Pin each gateway to a core with taskset (when it works here). */
  pin: boolean;
  /** Where to write the JSON results; none when undefined. */
  out?: string;
  /** Directory for gateway CPU profiles (node --cpu-prof), written when the run ends. */
  profileDir?: string;
  /** The subscriptions workload's subscribers (one graphql-ws socket and subscription each). */
  subscribers: number;
}

export const USAGE = `npm run bench -- [options]     (each option also reads BENCH_<NAME>, e.g. BENCH_DURATION=10)
  --duration <s>      seconds per gateway, workload and round     (default 4; short 3; smoke 1)
  --warmup <s>        unmeasured seconds before the first round   (default 3; short 1; smoke 0.5)
  --rounds <n>        interleaved rounds; the table shows medians (default 5; short 2; smoke 1)
  --connections <n>   concurrent connections, every workload      (default each workload's: 10, deep 50)
  --latency <s>       seconds of one-connection latency probe per gateway, workload and round,
                      timed per request in microseconds; 0 skips it (default 2; short 1; smoke 0.3)
  --workloads <list>  ${WORKLOADS.map((w) => w.id).join(',')}   (--workload is the same)
  --gateways <list>   ${GATEWAYS.map((g) => g.id).join(',')}
  --subscribers <n>   the subscriptions workload's subscribers, one socket each (default 1000)
  --out <file>        JSON results (default bench/results/latest.json; short: short.json; none in smoke)
  --no-pin            do not pin gateways to a core with taskset
  --profile <dir>     write a --cpu-prof profile of each gateway to <dir>
  --short             2 rounds of 3 s: a quick check of ratios, not the published table
  --smoke             one short round; exits non-zero if a gateway answered wrongly
The Hive rows need bench/peers/package.json's packages: the first run that includes them installs
them (npm ci --prefix bench/peers); without them those rows say why.`;

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number, got ${raw}`);
  return value;
}

function list(name: string, raw: string | undefined, known: readonly { id: string; optIn?: boolean }[]): string[] {
  if (raw === undefined) return known.filter((k) => !k.optIn).map((k) => k.id);
  const ids = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !known.some((k) => k.id === id));
  if (unknown.length) throw new Error(`--${name}: unknown ${unknown.join(', ')}; known: ${known.map((k) => k.id).join(', ')}`);
  return ids;
}

export function parseOptions(argv: string[], env: Record<string, string | undefined>, defaultOut: string): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      latency: { type: 'string' },
      workloads: { type: 'string' },
      workload: { type: 'string' },
      gateways: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
      subscribers: { type: 'string' },
      'no-pin': { type: 'boolean' },
      smoke: { type: 'boolean' },
      short: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const pick = (name: string) => (values as Record<string, string | undefined>)[name] ?? env[`BENCH_${name.toUpperCase()}`];
  const smoke = values.smoke ?? env.BENCH_SMOKE === 'true';
  const short = !smoke && (values.short ?? env.BENCH_SHORT === 'true');
  // Defaults by mode: [full, short, smoke].
  const byMode = (full: number, shortValue: number, smokeValue: number) => (smoke ? smokeValue : short ? shortValue : full);
  const connections = pick('connections');
  return {
    durationSeconds: positive('duration', pick('duration'), byMode(4, 3, 1)),
    warmupSeconds: positive('warmup', pick('warmup'), byMode(3, 1, 0.5)),
    rounds: Math.max(1, Math.round(positive('rounds', pick('rounds'), byMode(5, 2, 1)))),
    ...(connections === undefined ? {} : { connections: Math.max(1, Math.round(positive('connections', connections, 10))) }),
    latencySeconds: positive('latency', pick('latency'), byMode(2, 1, 0.3)),
    workloads: list('workloads', pick('workloads') ?? pick('workload'), WORKLOADS),
    gateways: list('gateways', pick('gateways'), GATEWAYS),
    smoke,
    short,
    pin: !(values['no-pin'] ?? env.BENCH_NO_PIN === 'true'),
    out: pick('out') ?? (smoke ? undefined : short ? defaultOut.replace(/latest\.json$/, 'short.json') : defaultOut),
    profileDir: pick('profile'),
    subscribers: Math.max(1, Math.round(positive('subscribers', pick('subscribers'), 1000))),
  };
}
