// `portico keys …`: issue, list, revoke and rotate API keys in the store the gateway reads.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pino } from 'pino';
import { ConfigError, loadConfigFile, type PorticoConfig } from '../config/index.js';
import { createRedisClient, whenReady, type RedisClient } from '../stores/redis.js';
import { parseDuration, type ApiKeyInfo } from './api-key.js';
import { ApiKeyError, type ApiKeys } from './manager.js';
import { createApiKeyStore, createApiKeysFromConfig } from './store-create.js';
import { ApiKeyStoreError } from './store-errors.js';
import { runUsageCommand } from './usage-cli.js';

export interface KeysIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface KeysCliContext {
  io: KeysIo;
  /** The gateway's config (`--config`, PORTICO_CONFIG or the default file, and the environment). */
  config: PorticoConfig;
  /** The key manager on the gateway's store: Redis with REDIS_URL / redisUrl, else `apiKeys.file`. */
  keys(): Promise<ApiKeys>;
  /** The Redis connection the store uses, if any (opened on first use). */
  redis(): Promise<RedisClient | undefined>;
}

export interface KeysCommand {
  usage: string;
  /** Options of this command (`--config` and `--json` are added to every one). */
  options: ParseArgsConfig['options'];
  run(values: Record<string, string | boolean | undefined>, positionals: string[], context: KeysCliContext): Promise<void>;
}

/** A mistake in the command line: usage is printed, exit code 2. */
export class UsageError extends Error {}

const print = (io: KeysIo, value: unknown) => io.stdout(`${JSON.stringify(value, null, 2)}\n`);
const onlyId = (positionals: string[], usage: string) => {
  if (positionals.length !== 1) throw new UsageError(`expected one key id: ${usage}`);
  return positionals[0];
};
function seconds(value: string | boolean | undefined, flag: string): number | undefined {
  if (typeof value !== 'string') return undefined;
  const parsed = parseDuration(value);
  if (parsed === undefined) throw new UsageError(`${flag} takes a duration such as 90d, 24h, 30m or 3600 (seconds), not ${JSON.stringify(value)}`);
  return parsed;
}
function stateOf(info: ApiKeyInfo): string {
  if (info.state === 'revoked') return 'revoked';
  if (info.expired) return 'expired';
  return info.previousValidUntil ? 'rotating' : 'active';
}

/** The subcommands of `portico keys`; others (`usage`) are added here. */
export const KEY_COMMANDS: Record<string, KeysCommand> = {
  create: {
    usage: 'portico keys create --plan <plan> [--name "mobile app"] [--expires 90d] [--json]',
    options: { plan: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' } },
    async run(values, positionals, { io, keys }) {
      if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
      if (typeof values.plan !== 'string') throw new UsageError('--plan is required');
      const expiresInSeconds = seconds(values.expires, '--expires');
      const { key, record } = await (await keys()).create({
        plan: values.plan,
        ...(typeof values.name === 'string' ? { name: values.name } : {}),
        ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
      });
      if (values.json) return print(io, { key, ...(await keys()).describe(record) });
      const details = [`plan ${record.plan}`, record.name && `name ${JSON.stringify(record.name)}`, record.expiresAt && `expires ${record.expiresAt}`];
      io.stdout(`Created API key ${record.id} (${details.filter(Boolean).join(', ')}).\n`);
      io.stdout(`The key is shown this once only; keep it now (clients send it in the x-api-key header):\n\n${key}\n`);
    },
  },
  list: {
    usage: 'portico keys list [--json]',
    options: {},
    async run(values, _positionals, { io, keys }) {
      const manager = await keys();
      const infos = (await manager.list()).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map((r) => manager.describe(r));
      if (values.json) return print(io, { keys: infos });
      if (infos.length === 0) return io.stdout('No API keys. Create one with: portico keys create --plan <plan>\n');
      const rows = [
        ['ID', 'PLAN', 'STATE', 'CREATED', 'EXPIRES', 'NAME'],
        ...infos.map((i) => [i.id, i.plan, stateOf(i) + (i.static ? ' (static)' : ''), i.createdAt, i.expiresAt ?? '-', i.name ?? '']),
      ];
      const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
      for (const row of rows) io.stdout(`${row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()}\n`);
    },
  },
  revoke: {
    usage: 'portico keys revoke <id> [--json]',
    options: {},
    async run(values, positionals, { io, keys }) {
      const manager = await keys();
      const record = await manager.revoke(onlyId(positionals, this.usage));
      if (values.json) return print(io, manager.describe(record));
      io.stdout(`Revoked API key ${record.id} (${record.revokedAt}); gateways refuse it within a second.\n`);
    },
  },
  rotate: {
    usage: 'portico keys rotate <id> [--grace 24h] [--json]',
    options: { grace: { type: 'string' } },
    async run(values, positionals, { io, keys, config }) {
      const manager = await keys();
      const { key, record } = await manager.rotate(onlyId(positionals, this.usage), seconds(values.grace, '--grace') ?? config.apiKeys.rotationGraceSeconds);
      if (values.json) return print(io, { key, ...manager.describe(record) });
      io.stdout(`Rotated API key ${record.id}. ${record.previous ? `The previous key works until ${record.previous.validUntil}.` : 'The previous key no longer works.'}\n`);
      io.stdout(`The new key is shown this once only; keep it now:\n\n${key}\n`);
    },
  },
};

export function keysUsage(): string {
  return `Usage: portico keys <command> [--config <file>]\n\nManages the API keys the gateway accepts (in Redis with REDIS_URL, else in apiKeys.file).\n\n${Object.values(KEY_COMMANDS)
    .map((c) => `  ${c.usage}`)
    .join('\n')}\n  portico keys usage <key id> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]\n`;
}

/** Runs `portico keys <argv…>`; returns the exit code (0 done, 1 refused or failed, 2 usage). */
export async function runKeysCli(argv: string[], io: KeysIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(keysUsage());
    return 0;
  }
  // Usage reads other stores (and may ask a running gateway): a command of its own (usage-cli.ts).
  if (name === 'usage') return runUsageCommand(rest, { env: process.env, out: io.stdout, err: io.stderr });
  const command = KEY_COMMANDS[name];
  if (!command) {
    io.stderr(`portico keys: unknown command ${JSON.stringify(name)}\n\n${keysUsage()}`);
    return 2;
  }
  let redis: RedisClient | undefined;
  let manager: ApiKeys | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { ...command.options, config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      io.stdout(`Usage: ${command.usage}\n`);
      return 0;
    }
    const config = await loadConfigFile({ file: typeof values.config === 'string' ? values.config : undefined });
    const openRedis = async () => {
      if (!config.redisUrl) return undefined;
      if (!redis) {
        redis = createRedisClient(config.redisUrl, pino({ level: 'silent' }));
        await whenReady(redis, 3000).catch(() => {
          throw new ApiKeyStoreError('cannot reach Redis (redisUrl / REDIS_URL)');
        });
      }
      return redis;
    };
    const context: KeysCliContext = {
      io,
      config,
      redis: openRedis,
      keys: async () => (manager ??= createApiKeysFromConfig(config, createApiKeyStore(config, await openRedis()))),
    };
    await command.run(values, positionals, context);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`portico keys ${name}: ${(error as Error).message}\nUsage: ${command.usage}\n`);
      return 2;
    }
    if (error instanceof ApiKeyError || error instanceof ApiKeyStoreError || error instanceof ConfigError) {
      io.stderr(`portico keys ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    if (redis?.isReady) await redis.close().catch(() => redis?.destroy());
    else redis?.destroy();
  }
}
