import { parseArgs } from 'node:util';
import { GATEWAYS } from './gateways/index.js';
import { WORKLOADS } from './workloads.js';

export interface BenchOptions {
  /** Seconds of load per gateway, workload and round. */
  durationSeconds: number;
  /** Seconds of unmeasured load per gateway and workload before the first round. */
  warmupSeconds: number;
  rounds: number;
  /** Concurrent connections autocannon keeps open. */
  connections: number;
  /** Seconds of one-connection latency probing per gateway, workload and round; 0 skips it. */
  latencySeconds: number;
  workloads: string[];
  gateways: string[];
  /** One short round; exit code says whether every gateway answered correctly. */
  smoke: boolean;
  /** Pin each gateway to a core with taskset (when it works here). */
  pin: boolean;
  /** Where to write the JSON results; none when undefined. */
  out?: string;
  /** Directory for gateway CPU profiles (node --cpu-prof), written when the run ends. */
  profileDir?: string;
}

export const USAGE = `npm run bench -- [options]     (each option also reads BENCH_<NAME>, e.g. BENCH_DURATION=10)
  --duration <s>      seconds per gateway, workload and round     (default 4; smoke 1)
  --warmup <s>        unmeasured seconds before the first round   (default 3; smoke 0.5)
  --rounds <n>        interleaved rounds; the table shows medians (default 5; smoke 1)
  --connections <n>   concurrent connections                      (default 10)
  --latency <s>       seconds of one-connection latency probe per gateway, workload and round,
                      timed per request in microseconds; 0 skips it (default 2; smoke 0.3)
  --workloads <list>  ${WORKLOADS.map((w) => w.id).join(',')}
  --gateways <list>   ${GATEWAYS.map((g) => g.id).join(',')}
  --out <file>        JSON results (default bench/results/latest.json; none in smoke)
  --no-pin            do not pin gateways to a core with taskset
  --profile <dir>     write a --cpu-prof profile of each gateway to <dir>
  --smoke             one short round; exits non-zero if a gateway answered wrongly`;

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
      gateways: { type: 'string' },
      out: { type: 'string' },
      profile: { type: 'string' },
      'no-pin': { type: 'boolean' },
      smoke: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const pick = (name: string) => (values as Record<string, string | undefined>)[name] ?? env[`BENCH_${name.toUpperCase()}`];
  const smoke = values.smoke ?? env.BENCH_SMOKE === 'true';
  return {
    durationSeconds: positive('duration', pick('duration'), smoke ? 1 : 4),
    warmupSeconds: positive('warmup', pick('warmup'), smoke ? 0.5 : 3),
    rounds: Math.max(1, Math.round(positive('rounds', pick('rounds'), smoke ? 1 : 5))),
    connections: Math.max(1, Math.round(positive('connections', pick('connections'), 10))),
    latencySeconds: positive('latency', pick('latency'), smoke ? 0.3 : 2),
    workloads: list('workloads', pick('workloads'), WORKLOADS),
    gateways: list('gateways', pick('gateways'), GATEWAYS),
    smoke,
    pin: !(values['no-pin'] ?? env.BENCH_NO_PIN === 'true'),
    out: pick('out') ?? (smoke ? undefined : defaultOut),
    profileDir: pick('profile'),
  };
}
