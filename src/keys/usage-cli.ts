// `portico keys usage <id> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--client sub:alice] [--json]`
// With Redis (REDIS_URL or redisUrl in the config) it reads the usage there, as every replica writes it;
// without, usage lives in the running gateway's memory, so it asks that gateway's `GET /admin/usage`
// (`--url`, default the configured host and port) with `--token`, PORTICO_ADMIN_TOKEN, or an admin
// token it signs with the config's HS256 secret (as `npm run cost-report` does).
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { ConfigError, loadConfigFile, type PorticoConfig } from '../config/index.js';
import { createRedisClient, whenReady } from '../stores/redis.js';
import { createLogger } from '../observability/logger.js';
import { totalOf, usageRange, type UsageDay } from './usage.js';
import { createRedisUsage } from './usage-store-redis.js';

export const USAGE_HELP = `Usage: portico keys usage <key id> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]
       portico keys usage --client sub:<token subject> [...]

A key's requests, points spent, requests throttled (429) and refused per UTC day (default: the last
30 days). Reads Redis with REDIS_URL; otherwise asks the running gateway (--url, --token or
PORTICO_ADMIN_TOKEN; without a token one is signed with the config's HS256 secret).
`;

export interface CommandIo {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
}

interface UsageAnswer {
  client: string;
  from: string;
  to: string;
  days: UsageDay[];
}

async function adminToken(config: PorticoConfig, given: string | undefined): Promise<string> {
  if (given) return given;
  const { auth } = config;
  if (!auth.jwtSecret) throw new ConfigError('auth.jwtSecret', 'pass --token: this gateway verifies tokens from a JWKS URL');
  let jwt = new SignJWT({ [auth.scopesClaim]: config.usage.adminScope }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject('keys-usage').setIssuedAt().setExpirationTime('1m');
  if (auth.issuer) jwt = jwt.setIssuer(auth.issuer);
  if (auth.audience) jwt = jwt.setAudience(auth.audience);
  return jwt.sign(new TextEncoder().encode(auth.jwtSecret));
}

async function fromRedis(config: PorticoConfig, client: string, from: string, to: string): Promise<UsageAnswer> {
  const redis = createRedisClient(config.redisUrl!, createLogger({ level: 'silent' }));
  try {
    await whenReady(redis, 5000);
    const days = await createRedisUsage(redis, config.redisPrefix, config.usage.retentionDays).read(client, from, to);
    return { client, from, to, days };
  } finally {
    if (redis.isOpen) await redis.close();
  }
}

async function fromGateway(config: PorticoConfig, url: string, token: string, search: URLSearchParams): Promise<UsageAnswer> {
  const response = await fetch(new URL(`/admin/usage?${search}`, url), { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json().catch(() => ({}))) as Partial<UsageAnswer> & { errors?: Array<{ message: string }> };
  if (!response.ok || !body.days) throw new Error(`the gateway answered ${response.status}: ${body.errors?.[0]?.message ?? 'no usage'}`);
  return body as UsageAnswer;
}

function table(answer: UsageAnswer): string {
  const total = totalOf(answer.days);
  const head = ['date', 'requests', 'points', 'throttled', 'refused'];
  const rows = [...answer.days, { date: 'total', ...total }].map((d) => [d.date, String(d.requests), String(d.points), String(d.throttled), String(d.refused)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return `${answer.client}, ${answer.from} to ${answer.to} (UTC)\n\n${[head, ...rows].map(line).join('\n')}\n`;
}

/** Runs `keys usage` with its arguments (after `usage`); resolves with the exit code. */
export async function runUsageCommand(argv: string[], io: CommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        client: { type: 'string' },
        json: { type: 'boolean', default: false },
        url: { type: 'string' },
        token: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`portico keys usage: ${(error as Error).message}\n\n${USAGE_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE_HELP);
    return 0;
  }
  const [id, ...extra] = positionals;
  if (extra.length || (id ? values.client : !values.client)) {
    io.err(`portico keys usage: give one key id, or --client\n\n${USAGE_HELP}`);
    return 2;
  }
  const range = usageRange(values.from, values.to, Date.now());
  if ('error' in range) {
    io.err(`portico keys usage: ${range.error}\n`);
    return 2;
  }
  const client = id ? `key:${id}` : values.client!;
  try {
    const config = await loadConfigFile({ env: io.env, file: values.config });
    let answer: UsageAnswer;
    if (config.redisUrl) {
      answer = await fromRedis(config, client, range.from, range.to);
    } else {
      const search = new URLSearchParams({ ...(id ? { key: id } : { client }), from: range.from, to: range.to });
      const url = values.url ?? `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${config.server.port}`;
      answer = await fromGateway(config, url, await adminToken(config, values.token ?? io.env.PORTICO_ADMIN_TOKEN), search);
    }
    io.out(values.json ? `${JSON.stringify(answer, null, 2)}\n` : table(answer));
    return 0;
  } catch (error) {
    io.err(`portico keys usage: ${(error as Error).message}\n`);
    return 1;
  }
}
