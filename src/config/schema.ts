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
      })
      .strict()
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
    /** Per-subgraph settings by subgraph name: `url` overrides the routing URL in the supergraph. */
    subgraphs: z.record(z.string(), z.object({ url: z.url().optional() }).strict()).default({}),
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
        /** Named policies for `@policy`, as functions (from a TypeScript config file or code). */
        policies: z.record(z.string(), z.custom<Policy>((v) => typeof v === 'function', 'must be a function')).default({}),
      })
      .strict()
      .prefault({}),
    /** HMAC secret that signs the identity header sent to subgraphs; the subgraphs share it. */
    subgraphSecret: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Schema introspection; default on outside production. */
    introspection: bool.optional(),
    /** Apollo Sandbox on `GET /`; default on outside production. */
    sandbox: bool.optional(),
    logging: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
    /** Apollo's usage telemetry in @apollo/gateway; off unless you opt in. */
    apolloTelemetry: bool.default(false),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
type Parsed = z.output<typeof configSchema>;

export interface PorticoConfig extends Omit<Parsed, 'subgraphSecret' | 'introspection' | 'sandbox'> {
  subgraphSecret: string;
  introspection: boolean;
  sandbox: boolean;
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
  PORTICO_SUBGRAPH_SECRET: 'subgraphSecret',
  PORTICO_INTROSPECTION: 'introspection',
  PORTICO_SANDBOX: 'sandbox',
  LOG_LEVEL: 'logging.level',
  PORTICO_APOLLO_TELEMETRY: 'apolloTelemetry',
};
/** `PORTICO_SUBGRAPH_TODOS_URL=http://…` sets `subgraphs.todos.url`. */
export const SUBGRAPH_URL_ENV = /^PORTICO_SUBGRAPH_([A-Z0-9_]+)_URL$/;
