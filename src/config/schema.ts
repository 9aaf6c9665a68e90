import { z } from 'zod';
import type { Policy } from '../auth/policy.js';

/** The dev-only JWT secret: `npm run token` signs with it, and the gateway says so when it uses it. */
export const DEV_JWT_SECRET = 'portico-dev-jwt-secret-do-not-use-in-production';
export { DEV_SUBGRAPH_SECRET } from '../identity/signed-identity.js';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.preprocess(
  (v) => (typeof v === 'string' ? { true: true, '1': true, false: false, '0': false }[v.toLowerCase()] ?? v : v),
  z.boolean(),
);

/** A usage plan's quota (as API Gateway's): at most `limit` requests or cost points per UTC period. */
const quotaSchema = z
  .object({
    limit: z.number().int().positive(),
    unit: z.enum(['requests', 'points']).default('requests'),
    period: z.enum(['day', 'week', 'month']),
  })
  .strict();

/** What a config file may hold; environment variables override it (see ENV_KEYS). */
export const configSchema = z
  .object({
    /** `production` turns off the sandbox and introspection and makes secrets mandatory. */
    env: z.enum(['development', 'production', 'test']).default('development'),
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: port.default(4000),
        /** Largest accepted request body, in bytes. */
        maxBodyBytes: z.coerce.number().int().positive().default(1024 * 1024),
        /** On SIGTERM, how long requests in flight may take to finish before connections are cut, in ms. */
        shutdownTimeoutMs: z.coerce.number().int().min(0).default(10_000),
        /** Worker processes (node:cluster); `auto` is one per core. State is shared only through Redis. */
        workers: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(64)]).default(1),
        /** Take the client address from `X-Forwarded-For` (only behind a proxy you trust). */
        trustProxy: bool.default(false),
        /** Which browser origins may call the GraphQL endpoint (CORS); by default Apollo's hosted Sandbox only. */
        cors: z
          .object({
            origins: z
              .preprocess((v) => (typeof v === 'string' ? v.split(',').map((o) => o.trim()).filter(Boolean) : v), z.array(z.string().min(1)))
              .default(['https://studio.apollographql.com']),
            allowCredentials: bool.default(false),
            maxAgeSeconds: z.coerce.number().int().min(0).default(600),
          })
          .strict()
          .refine((c) => !(c.allowCredentials && c.origins.includes('*')), {
            message: 'server.cors: allowCredentials cannot be combined with origin "*" (browsers refuse it); list the origins',
          })
          .prefault({}),
        /** Time a client has to send a request's headers, in ms (slow clients are cut). */
        headersTimeoutMs: z.coerce.number().int().positive().default(15_000),
        /** Time a client has to send a whole request, headers and body, in ms; then 408 and the connection is closed. */
        requestTimeoutMs: z.coerce.number().int().positive().default(30_000),
      })
      .strict()
      .refine((s) => s.headersTimeoutMs <= s.requestTimeoutMs, {
        message: 'server.headersTimeoutMs cannot be longer than server.requestTimeoutMs (the headers are part of the request)',
      })
      .prefault({}),
    supergraph: z
      .object({
        /** The composed supergraph SDL to serve; default `schema/supergraph.graphql` unless `subgraphs` is set. */
        path: z.string().min(1).optional(),
        /** A subgraph list (`schema/subgraphs.yaml`) to compose at start instead of reading `path`. */
        subgraphs: z.string().min(1).optional(),
        /** Reload when the file changes (with `subgraphs`: recompose when the list or an SDL file changes). */
        watch: bool.default(true),
      })
      .strict()
      .refine((s) => !(s.path && s.subgraphs), {
        message: 'set either supergraph.path (PORTICO_SUPERGRAPH, --supergraph) or supergraph.subgraphs (PORTICO_SUBGRAPHS, --subgraphs), not both',
      })
      .transform((s) => ({ ...s, path: s.path ?? 'schema/supergraph.graphql' }))
      .prefault({}),
    /**
     * Per-subgraph settings by subgraph name: `url` overrides the routing URL in the supergraph;
     * `timeoutMs` overrides `subgraphTimeoutMs` for that subgraph.
     */
    subgraphs: z
      .record(z.string(), z.object({ url: z.url().optional(), timeoutMs: z.coerce.number().int().positive().optional() }).strict())
      .default({}),
    /** Longest a subgraph call may take (connect, answer and body), in ms; then the call fails with SUBGRAPH_UNAVAILABLE. */
    subgraphTimeoutMs: z.coerce.number().int().positive().default(30_000),
    /** Identical subgraph queries in flight at once (same caller, same query) go out once. */
    deduplicateSubgraphQueries: bool.default(true),
    auth: z
      .object({
        /** HS256 secret (at least 32 characters). */
        jwtSecret: z.string().min(32, 'must be at least 32 characters').optional(),
        /** JWKS URL for RS256/ES256 tokens. */
        jwksUrl: z.url().optional(),
        issuer: z.string().min(1).optional(),
        audience: z.string().min(1).optional(),
        /** Allowed clock skew for exp/nbf, in seconds. */
        clockToleranceSeconds: z.coerce.number().int().min(0).max(300).default(30),
        /** Least time between two JWKS refetches triggered by an unknown `kid`, in seconds. */
        jwksCooldownSeconds: z.coerce.number().int().min(0).default(30),
        /** The claim holding the caller's scopes: a space-separated string or an array. */
        scopesClaim: z.string().min(1).default('scope'),
      })
      .strict()
      .prefault({}),
    authorization: z
      .object({
        /**
         * `filter` (default): what the caller may not see is removed and answered with null and an
         * error per path; the rest runs. `reject`: the whole request is refused with HTTP 403.
         */
        mode: z.enum(['filter', 'reject']).default('filter'),
        /** When set, `__schema` and `__type` need a token with this scope (removed like any guarded field otherwise). */
        introspectionScope: z.string().min(1).optional(),
        /** Named policies for `@policy`, as functions (from a TypeScript config file or code). */
        policies: z.record(z.string(), z.custom<Policy>((v) => typeof v === 'function', 'must be a function')).default({}),
      })
      .strict()
      .prefault({}),
    /** Shape limits on documents, each refused with its own code (graphql-armor rules). */
    limits: z
      .object({
        maxDepth: z.coerce.number().int().positive().default(15),
        maxAliases: z.coerce.number().int().min(0).default(30),
        maxDirectives: z.coerce.number().int().min(0).default(50),
        /** Checked while parsing, so a huge document is never parsed whole. */
        maxTokens: z.coerce.number().int().positive().default(5000),
      })
      .strict()
      .prefault({}),
    cost: z
      .object({
        /** Estimate each operation's cost from `@cost`/`@listSize` and enforce the ceiling and budgets. */
        enabled: bool.default(true),
        /** Ceiling for one request's estimated cost. */
        maxCost: z.coerce.number().int().positive().default(1000),
        /** Size assumed for a list without `@listSize` or a slicing argument (until its size is learned). */
        defaultListSize: z.coerce.number().int().min(0).default(10),
        /**
         * `enforce` refuses above the ceiling and the budget; `measure` estimates, charges and reports
         * (extensions, metrics, logs) what it would refuse, and refuses nothing.
         */
        mode: z.enum(['enforce', 'measure']).default('enforce'),
        /** Learn the sizes of lists the schema does not size from real answers (see README "Cost limits"). */
        learnListSizes: z
          .object({
            enabled: bool.default(true),
            percentile: z.coerce.number().gt(0).max(1).default(0.95),
            minClients: z.coerce.number().int().min(1).default(3),
            periodSeconds: z.coerce.number().int().positive().default(3600),
            periods: z.coerce.number().int().positive().max(24 * 31).default(24),
            syncIntervalMs: z.coerce.number().int().positive().default(5000),
            maxClientsPerField: z.coerce.number().int().positive().default(1000),
          })
          .strict()
          .prefault({}),
        /** Scope a token needs for `GET /admin/cost/report`. */
        reportScope: z.string().min(1).default('admin'),
        budgets: z
          .object({
            enabled: bool.default(true),
            /** The default plan: points a client may spend at once, and points restored per second. */
            capacity: z.coerce.number().positive().default(1000),
            restoreRate: z.coerce.number().positive().default(50),
            /** Named plans (e.g. free, pro), like API gateway usage plans. */
            plans: z
              .record(z.string(), z.object({ capacity: z.number().positive(), restoreRate: z.number().positive(), quota: quotaSchema.optional() }).strict())
              .default({}),
            /** The default plan's quota: requests or points per UTC day, week (from Monday) or month. */
            quota: quotaSchema.optional(),
            /** Plan by client: `sub:<token subject>` or `key:<API key>`. */
            clients: z.record(z.string(), z.string()).default({}),
            /** A token claim that names the caller's plan. */
            planClaim: z.string().min(1).optional(),
            /** Header carrying an API key, for clients without a token. */
            apiKeyHeader: z.string().min(1).default('x-api-key'),
            /** When the shared store (Redis) fails: `open` keeps serving on a local limiter, `closed` refuses with 503. */
            onStoreError: z.enum(['open', 'closed']).default('open'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    cache: z
      .object({
        /** Cache query responses by their subgraphs' cache hints. */
        enabled: bool.default(true),
        /** Entries kept in memory (without Redis); least recently used go first. */
        maxEntries: z.coerce.number().int().positive().default(10_000),
        /** Also cache responses that carry errors. */
        cacheErrors: bool.default(false),
        /** Who may skip the cache with `Cache-Control: no-cache`: everyone, authenticated callers, or nobody. */
        bypass: z.enum(['everyone', 'authenticated', 'nobody']).default('authenticated'),
        /**
         * Cache hints for subgraphs that send none, by field (`Query.user`) or type (`User`):
         * `{ maxAge, scope }`. Without one, an answer with no hint is not cached.
         */
        defaultHints: z
          .record(z.string().regex(/^\w+(\.\w+)?$/, 'a type (User) or a field (Query.user)'), z.object({ maxAge: z.number().int().min(0), scope: z.enum(['PUBLIC', 'PRIVATE']).optional() }).strict())
          .default({}),
        /** Scope a token needs to call the purge endpoint (`POST /admin/cache/purge`). */
        purgeScope: z.string().min(1).default('admin'),
      })
      .strict()
      .prefault({}),
    /** Usage per client and per UTC day (requests, points, throttled, refused), for `GET /admin/usage`. */
    usage: z
      .object({
        enabled: bool.default(true),
        /** Days a day's usage is kept (in Redis; in memory the oldest go first past a bound). */
        retentionDays: z.coerce.number().int().positive().max(3660).default(400),
        /** Scope a token needs for `GET /admin/usage`. */
        adminScope: z.string().min(1).default('admin'),
      })
      .strict()
      .prefault({}),
    /** Redis for state shared by every replica (budgets, cache); in memory when absent. */
    redisUrl: z.url().optional(),
    /** Prefix of every Redis key Portico writes, so deployments can share one Redis. */
    redisPrefix: z.string().regex(/^[\w:.-]+$/, 'letters, digits and _ : . - only').default('portico'),
    /** HMAC secret that signs the identity header sent to subgraphs; the subgraphs share it. */
    subgraphSecret: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Schema introspection; default on outside production. */
    introspection: bool.optional(),
    /** Apollo Sandbox on `GET /`; default on outside production. */
    sandbox: bool.optional(),
    logging: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** `auto`: pretty one-line logs on a terminal outside production, JSON lines when piped or in production. */
        format: z.enum(['auto', 'json', 'pretty']).default('auto'),
      })
      .strict()
      .prefault({}),
    /** Retries (queries only) and a circuit breaker, per subgraph. */
    /** Subscriptions over WebSocket (graphql-ws) on the GraphQL path; see README "Live updates (subscriptions)". */
    subscriptions: z
      .object({
        enabled: bool.default(true),
        /** Open subscriptions one WebSocket may hold; past it a subscribe is refused (TOO_MANY_SUBSCRIPTIONS). */
        maxPerConnection: z.coerce.number().int().positive().default(100),
        /** Open subscriptions one client (token subject, API key or address) may hold in this process, over all its sockets. */
        maxPerClient: z.coerce.number().int().positive().default(500),
        /** Events one socket may have waiting for its client; past it the client is too slow and its socket is closed (1008). */
        maxQueuedEvents: z.coerce.number().int().positive().default(1000),
        /** How long a socket may take to send connection_init, in ms. */
        connectionInitTimeoutMs: z.coerce.number().int().positive().default(5000),
        /** Ping interval (ms); a socket that does not answer within as long is cut. */
        keepAliveMs: z.coerce.number().int().positive().default(12_000),
        /** Attempts to open a subgraph's subscription connection again (with backoff) while the client waits. */
        upstreamRetries: z.coerce.number().int().min(0).max(10).default(4),
        upstreamRetryBaseDelayMs: z.coerce.number().int().positive().default(100),
        upstreamRetryMaxDelayMs: z.coerce.number().int().positive().default(2000),
      })
      .strict()
      .prefault({}),
    resilience: z
      .object({
        /** Extra attempts for a query whose subgraph call failed (network error, 502/503/504); never for mutations. */
        retries: z.coerce.number().int().min(0).max(10).default(2),
        retryBaseDelayMs: z.coerce.number().int().min(0).default(50),
        retryMaxDelayMs: z.coerce.number().int().min(0).default(1000),
        circuitBreaker: z
          .object({
            enabled: bool.default(true),
            /** Consecutive failures that open a subgraph's circuit (calls then fail fast). */
            failureThreshold: z.coerce.number().int().positive().default(5),
            /** How long a circuit stays open before one probe call, in ms. */
            coolDownMs: z.coerce.number().int().positive().default(10_000),
            /** While a subgraph has never answered, its failures do not open its circuit for this long after start, in ms. */
            startupGraceMs: z.coerce.number().int().min(0).default(30_000),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** OpenTelemetry traces, off unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT). */
    tracing: z
      .object({
        /** OTLP/HTTP traces URL, e.g. http://collector:4318/v1/traces. */
        endpoint: z.url().optional(),
        serviceName: z.string().min(1).default('portico'),
      })
      .strict()
      .prefault({}),
    gateway: z
      .object({
        /**
         * Who executes the query plans of @apollo/gateway's planner: `apollo` (@apollo/gateway's
         * executor) or `portico` (Portico's, src/gateway/plan-executor: the same answers with fewer
         * copies; @defer, subscriptions and introspection are still left to @apollo/gateway's).
         */
        executor: z.enum(['portico', 'apollo']).default('portico'),
      })
      .strict()
      .prefault({}),
    /** Apollo's usage telemetry in @apollo/gateway; off unless you opt in. */
    apolloTelemetry: bool.default(false),
    /** Leave schema details ("Did you mean …?" suggestions) out of error messages; default on in production. */
    hideSchemaDetails: bool.optional(),
    /** Prometheus metrics (`GET /metrics`): on a listener of their own, loopback by default (as Apollo Router does). */
    metrics: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        /** 0 = any free port; the address is logged at start (`metricsUrl`). */
        port: port.default(9090),
        /** Serve `/metrics` on the GraphQL port instead (no listener of its own): keep it private at the proxy then. */
        onMainPort: bool.default(false),
      })
      .strict()
      .prefault({}),
    /** REST routes over named operations, with their OpenAPI document and docs page (README "REST API"). */
    rest: z
      .object({
        enabled: bool.default(false),
        /** Where the routes, `openapi.json` and `docs` are served. */
        prefix: z.string().regex(/^\/[\w\-/]*[\w-]$/, 'a path such as /api (no trailing slash)').default('/api'),
        /** The `.graphql` files of named operations (and `routes.yaml`, unless `routes` is set). */
        operationsDir: z.string().min(1).default('schema/operations'),
        /** The route map; without it, `<operationsDir>/routes.yaml`. Each: `{ method, path, operation, body?, status?, location? }`. */
        routes: z.array(z.record(z.string(), z.unknown())).optional(),
        /** Serve `GET <prefix>/docs`, the API reference page (Swagger UI, served from the package). */
        docs: bool.default(true),
      })
      .strict()
      .prefault({}),
    /** Which documents may run at all (README "Trusted documents"). */
    security: z
      .object({
        /**
         * `enforce`: only the manifest's operations run (sent by id or APQ hash, or as their exact
         * text); `log`: others run and are logged; `off` (default): no check.
         */
        trustedDocuments: z.enum(['off', 'log', 'enforce']).default('off'),
        /** The persisted query manifest `npm run operations` writes. */
        manifest: z.string().min(1).default('schema/operations/persisted-query-manifest.json'),
      })
      .strict()
      .prefault({}),
    /** API keys as issued credentials (`portico keys`, `/admin/keys`); see README "Usage plans and API keys". */
    apiKeys: z
      .object({
        /** Where keys are kept without Redis (`redisUrl`): a JSON file of hashes, re-read when it changes. */
        file: z.string().min(1).default('data/api-keys.json'),
        /** Keys listed here, hashed (SHA-256 hex of the key): accepted, never changed by the CLI or admin API. */
        static: z
          .array(
            z
              .object({
                id: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits and _ . - only (at most 64)'),
                hash: z.string().regex(/^[0-9a-fA-F]{64}$/, 'the SHA-256 of the key, 64 hex characters (never the key itself)'),
                plan: z.string().min(1),
                name: z.string().min(1).max(128).optional(),
              })
              .strict(),
          )
          .default([]),
        /** Refuse requests that carry neither an API key nor a token (401), as an API Gateway method with "API key required". */
        required: bool.default(false),
        /** Scope a token needs for `/admin/keys`. */
        adminScope: z.string().min(1).default('admin'),
        /** How long a rotated key's old secret keeps working, unless the rotation says otherwise, in seconds. */
        rotationGraceSeconds: z.coerce.number().int().min(0).max(366 * 86_400).default(86_400),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;

export interface PorticoConfig extends Omit<Parsed, 'subgraphSecret' | 'introspection' | 'sandbox' | 'hideSchemaDetails'> {
  subgraphSecret: string;
  introspection: boolean;
  sandbox: boolean;
  hideSchemaDetails: boolean;
  /** True where a documented dev secret stands in for a missing one. */
  usesDevSecrets: { jwt: boolean; subgraph: boolean };
}

/** Environment variables and the config key each sets. `{name}` stands for a subgraph name. */
export const ENV_KEYS: Record<string, string> = {
  NODE_ENV: 'env',
  HOST: 'server.host',
  PORT: 'server.port',
  PORTICO_MAX_BODY_BYTES: 'server.maxBodyBytes',
  PORTICO_SUPERGRAPH: 'supergraph.path',
  PORTICO_SUPERGRAPH_WATCH: 'supergraph.watch',
  PORTICO_SUBGRAPHS: 'supergraph.subgraphs',
  PORTICO_JWT_SECRET: 'auth.jwtSecret',
  PORTICO_JWKS_URL: 'auth.jwksUrl',
  PORTICO_JWT_ISSUER: 'auth.issuer',
  PORTICO_JWT_AUDIENCE: 'auth.audience',
  PORTICO_JWT_CLOCK_TOLERANCE: 'auth.clockToleranceSeconds',
  PORTICO_SCOPES_CLAIM: 'auth.scopesClaim',
  PORTICO_AUTHORIZATION_MODE: 'authorization.mode',
  PORTICO_INTROSPECTION_SCOPE: 'authorization.introspectionScope',
  PORTICO_TRUST_PROXY: 'server.trustProxy',
  PORTICO_SHUTDOWN_TIMEOUT_MS: 'server.shutdownTimeoutMs',
  PORTICO_WORKERS: 'server.workers',
  PORTICO_HEADERS_TIMEOUT_MS: 'server.headersTimeoutMs',
  PORTICO_REQUEST_TIMEOUT_MS: 'server.requestTimeoutMs',
  PORTICO_CORS_ORIGINS: 'server.cors.origins',
  PORTICO_CORS_CREDENTIALS: 'server.cors.allowCredentials',
  PORTICO_MAX_DEPTH: 'limits.maxDepth',
  PORTICO_MAX_ALIASES: 'limits.maxAliases',
  PORTICO_MAX_DIRECTIVES: 'limits.maxDirectives',
  PORTICO_MAX_TOKENS: 'limits.maxTokens',
  PORTICO_COST: 'cost.enabled',
  PORTICO_MAX_COST: 'cost.maxCost',
  PORTICO_DEFAULT_LIST_SIZE: 'cost.defaultListSize',
  PORTICO_COST_MODE: 'cost.mode',
  PORTICO_LEARN_LIST_SIZES: 'cost.learnListSizes.enabled',
  PORTICO_BUDGETS: 'cost.budgets.enabled',
  PORTICO_BUDGET_CAPACITY: 'cost.budgets.capacity',
  PORTICO_BUDGET_RESTORE_RATE: 'cost.budgets.restoreRate',
  PORTICO_BUDGET_ON_STORE_ERROR: 'cost.budgets.onStoreError',
  PORTICO_USAGE: 'usage.enabled',
  PORTICO_CACHE: 'cache.enabled',
  PORTICO_CACHE_MAX_ENTRIES: 'cache.maxEntries',
  PORTICO_CACHE_BYPASS: 'cache.bypass',
  PORTICO_SUBGRAPH_RETRIES: 'resilience.retries',
  PORTICO_SUBSCRIPTIONS: 'subscriptions.enabled',
  PORTICO_MAX_SUBSCRIPTIONS_PER_CONNECTION: 'subscriptions.maxPerConnection',
  PORTICO_MAX_SUBSCRIPTIONS_PER_CLIENT: 'subscriptions.maxPerClient',
  PORTICO_CIRCUIT_BREAKER: 'resilience.circuitBreaker.enabled',
  PORTICO_CIRCUIT_STARTUP_GRACE_MS: 'resilience.circuitBreaker.startupGraceMs',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'tracing.endpoint',
  OTEL_SERVICE_NAME: 'tracing.serviceName',
  REDIS_URL: 'redisUrl',
  PORTICO_REDIS_PREFIX: 'redisPrefix',
  PORTICO_SUBGRAPH_SECRET: 'subgraphSecret',
  PORTICO_SUBGRAPH_TIMEOUT_MS: 'subgraphTimeoutMs',
  PORTICO_DEDUPLICATE_SUBGRAPH_QUERIES: 'deduplicateSubgraphQueries',
  PORTICO_EXECUTOR: 'gateway.executor',
  PORTICO_INTROSPECTION: 'introspection',
  PORTICO_SANDBOX: 'sandbox',
  LOG_LEVEL: 'logging.level',
  LOG_FORMAT: 'logging.format',
  PORTICO_APOLLO_TELEMETRY: 'apolloTelemetry',
  PORTICO_HIDE_SCHEMA_DETAILS: 'hideSchemaDetails',
  PORTICO_METRICS_HOST: 'metrics.host',
  PORTICO_METRICS_PORT: 'metrics.port',
  PORTICO_METRICS_ON_MAIN_PORT: 'metrics.onMainPort',
  PORTICO_API_KEYS_FILE: 'apiKeys.file',
  PORTICO_API_KEYS_REQUIRED: 'apiKeys.required',
  PORTICO_API_KEYS_ADMIN_SCOPE: 'apiKeys.adminScope',
  PORTICO_API_KEYS_ROTATION_GRACE: 'apiKeys.rotationGraceSeconds',
  PORTICO_REST: 'rest.enabled',
  PORTICO_REST_PREFIX: 'rest.prefix',
  PORTICO_OPERATIONS_DIR: 'rest.operationsDir',
  PORTICO_TRUSTED_DOCUMENTS: 'security.trustedDocuments',
  PORTICO_TRUSTED_DOCUMENTS_MANIFEST: 'security.manifest',
};
/** `PORTICO_SUBGRAPH_TODOS_URL=http://…` sets `subgraphs.todos.url`. */
export const SUBGRAPH_URL_ENV = /^PORTICO_SUBGRAPH_([A-Z0-9_]+)_URL$/;
