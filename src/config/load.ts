import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import {
  configSchema,
  DEV_JWT_SECRET,
  ENV_KEYS,
  SUBGRAPH_URL_ENV,
  type ConfigInput,
  type PorticoConfig,
} from './schema.js';
import { DEV_SUBGRAPH_SECRET } from '../identity/signed-identity.js';

/** A config value that is missing or wrong: `key` names it, `message` says what is wrong. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`config: ${key}: ${problem}`);
  }
}

export interface LoadConfigOptions {
  /** Environment to read; default process.env. */
  env?: Record<string, string | undefined>;
  /** A YAML config file; default PORTICO_CONFIG, else ./portico.config.yaml when it exists. */
  file?: string;
  /** The content of a config file already read (a TypeScript one, see loadConfigFile). */
  fileContent?: ConfigInput;
  /** Values that win over file and environment (the command line). */
  overrides?: ConfigInput;
}

type Tree = Record<string, unknown>;

function setPath(target: Tree, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Tree;
  }
  node[path[path.length - 1]] = value;
}

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? merge(current as Tree, value as Tree)
        : value;
  }
  return out;
}

function readFile(path: string): Tree {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, `cannot read config file: ${(error as Error).message.split('\n')[0]}`);
  }
  if (raw == null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(path, 'must hold a mapping of keys');
  return raw as Tree;
}

/** Env variables → config tree, and which variable set which key (for error messages). */
function readEnv(env: Record<string, string | undefined>): { tree: Tree; sources: Map<string, string> } {
  const tree: Tree = {};
  const sources = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    let key = ENV_KEYS[name];
    const subgraph = SUBGRAPH_URL_ENV.exec(name);
    if (subgraph) key = `subgraphs.${subgraph[1].toLowerCase()}.url`;
    if (!key) continue;
    setPath(tree, key.split('.'), value);
    sources.set(key, name);
  }
  return { tree, sources };
}

const SCRIPT_FILE = /\.(ts|mts|js|mjs)$/;
const TYPESCRIPT_FILE = /\.m?ts$/;

/**
 * A config file's module. Run from the compiled build (this file is .js), Node cannot read TypeScript:
 * a .ts config then goes through tsx's scoped loader, for that file and what it imports only; the
 * gateway's own modules stay compiled. Run from the sources (tsx, vitest), a TypeScript loader is
 * already there.
 */
async function importConfig(file: string): Promise<unknown> {
  const url = pathToFileURL(resolve(file)).href;
  if (TYPESCRIPT_FILE.test(file) && !import.meta.url.endsWith('.ts')) {
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(url, import.meta.url);
  }
  return import(url);
}

const DEFAULT_FILES = ['portico.config.ts', 'portico.config.mjs', 'portico.config.js', 'portico.config.yaml', 'portico.config.yml'];

/**
 * The config from files and environment: a TypeScript or JavaScript config file (its default export,
 * see defineConfig) may hold functions such as authorization policies; a YAML one, plain values.
 * Default file: PORTICO_CONFIG, else the first of portico.config.{ts,mjs,js,yaml,yml} in the working directory.
 */
export async function loadConfigFile(options: LoadConfigOptions = {}): Promise<PorticoConfig> {
  const env = options.env ?? process.env;
  const file = options.file ?? env.PORTICO_CONFIG ?? DEFAULT_FILES.find((f) => existsSync(f));
  if (!file || !SCRIPT_FILE.test(file)) return loadConfig({ ...options, file });
  if (!existsSync(file)) throw new ConfigError('PORTICO_CONFIG', `config file ${file} does not exist`);
  let content: unknown;
  try {
    content = ((await importConfig(file)) as { default?: unknown }).default;
    // `export default` compiled to CommonJS (a .ts file in a package without "type": "module"): one level more.
    if ((content as { __esModule?: boolean } | undefined)?.__esModule) content = (content as { default?: unknown }).default;
  } catch (error) {
    throw new ConfigError(file, `cannot load config file: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!content || typeof content !== 'object') throw new ConfigError(file, 'must export default a config object (defineConfig)');
  return loadConfig({ ...options, fileContent: content as ConfigInput });
}

/** One typed, validated, frozen config from defaults, a file, the environment and overrides. */
export function loadConfig(options: LoadConfigOptions = {}): PorticoConfig {
  const env = options.env ?? process.env;
  let fileTree = options.fileContent as Tree | undefined;
  if (!fileTree) {
    const file = options.file ?? env.PORTICO_CONFIG ?? (existsSync('portico.config.yaml') ? 'portico.config.yaml' : undefined);
    if (file && !existsSync(file)) throw new ConfigError('PORTICO_CONFIG', `config file ${file} does not exist`);
    if (file && SCRIPT_FILE.test(file)) throw new ConfigError('PORTICO_CONFIG', `${file} is code: read it with loadConfigFile`);
    fileTree = file ? readFile(file) : {};
  }
  const { tree: envTree, sources } = readEnv(env);
  // The OTLP base endpoint names the collector; traces go to its /v1/traces (unless tracing is disabled).
  const otlp = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (otlp && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) setPath(envTree, ['tracing', 'endpoint'], `${otlp.replace(/\/$/, '')}/v1/traces`);
  if (env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none') setPath(envTree, ['tracing', 'endpoint'], undefined);
  const input = merge(merge(fileTree, envTree), (options.overrides ?? {}) as Tree);

  const result = configSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue.path.join('.') || '(root)';
    const source = sources.get(key);
    throw new ConfigError(source ? `${key} (${source})` : key, issue.message);
  }
  const parsed = result.data;
  const production = parsed.env === 'production';
  if (production && !parsed.auth.jwtSecret && !parsed.auth.jwksUrl) {
    throw new ConfigError('auth.jwtSecret', 'production needs auth.jwtSecret (PORTICO_JWT_SECRET) or auth.jwksUrl (PORTICO_JWKS_URL)');
  }
  if (production && !parsed.subgraphSecret) {
    throw new ConfigError('subgraphSecret', 'production needs subgraphSecret (PORTICO_SUBGRAPH_SECRET)');
  }
  // Everyone can read the dev JWT secret (and mint any token with it): set on purpose or not, never in production.
  if (production && parsed.auth.jwtSecret === DEV_JWT_SECRET) {
    const source = sources.get('auth.jwtSecret');
    throw new ConfigError(source ? `auth.jwtSecret (${source})` : 'auth.jwtSecret', 'is the documented dev secret, refused in production; set a secret of your own');
  }
  // Everyone can read the dev secret (and sign as this gateway with it): set on purpose or not, never in production.
  if (production && parsed.subgraphSecret === DEV_SUBGRAPH_SECRET) {
    const source = sources.get('subgraphSecret');
    throw new ConfigError(
      source ? `subgraphSecret (${source})` : 'subgraphSecret',
      'is the documented dev secret, refused in production; npm run gateway-public-key -- --generate prints a new one',
    );
  }
  if (parsed.auth.jwtSecret && parsed.auth.jwksUrl) {
    throw new ConfigError('auth', 'set either auth.jwtSecret or auth.jwksUrl, not both');
  }
  const plans = parsed.cost.budgets.plans;
  for (const [client, plan] of Object.entries(parsed.cost.budgets.clients)) {
    if (!plans[plan]) throw new ConfigError(`cost.budgets.clients.${client}`, `names plan "${plan}", not defined in cost.budgets.plans`);
  }
  // Static API keys: each names a defined plan (or the default), and no id or hash twice.
  const keyIds = new Set<string>();
  const keyHashes = new Set<string>();
  parsed.apiKeys.static.forEach((key, i) => {
    if (key.plan !== 'default' && !plans[key.plan]) throw new ConfigError(`apiKeys.static.${i}.plan`, `names plan "${key.plan}", not defined in cost.budgets.plans`);
    if (keyIds.has(key.id)) throw new ConfigError(`apiKeys.static.${i}.id`, `${key.id} is listed twice`);
    if (keyHashes.has(key.hash.toLowerCase())) throw new ConfigError(`apiKeys.static.${i}.hash`, 'the same hash is listed twice');
    keyIds.add(key.id);
    keyHashes.add(key.hash.toLowerCase());
  });
  const usesDevJwt = !parsed.auth.jwtSecret && !parsed.auth.jwksUrl;
  const config: PorticoConfig = {
    ...parsed,
    auth: { ...parsed.auth, jwtSecret: usesDevJwt ? DEV_JWT_SECRET : parsed.auth.jwtSecret },
    subgraphSecret: parsed.subgraphSecret ?? DEV_SUBGRAPH_SECRET,
    introspection: parsed.introspection ?? !production,
    sandbox: parsed.sandbox ?? !production,
    hideSchemaDetails: parsed.hideSchemaDetails ?? production,
    usesDevSecrets: { jwt: usesDevJwt, subgraph: !parsed.subgraphSecret },
  };
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
