// The files `npm run new-subgraph` writes, as pure functions of the subgraph's names.
import { namesOf } from './names.js';

export interface TemplateInput {
  name: string;
  /** The existing entity type the subgraph extends, e.g. `Todo`. */
  entity: string;
  /** Its key field, e.g. `id`. */
  key: string;
  port: number;
}

function parts(input: TemplateInput) {
  const n = namesOf(input.name);
  const column = `${input.entity.toLowerCase()}_${input.key}`;
  return { ...n, field: `${n.camel}Note`, table: `${n.snake}_notes`, column, setter: `set${n.pascal}Note`, starter: `start${n.pascal}Subgraph` };
}

export function schemaFile(input: TemplateInput): string {
  const p = parts(input);
  return `extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@authenticated"])

"""${input.entity}, extended by the ${input.name} subgraph."""
type ${input.entity} @key(fields: "${input.key}") {
  ${input.key}: ID!
  """A note the ${input.name} subgraph keeps about this ${input.entity}; replace it with your own fields."""
  ${p.field}: String
}

type Mutation {
  """Sets the ${input.name} note of a ${input.entity}."""
  ${p.setter}(${input.key}: ID!, note: String!): ${input.entity}! @authenticated
}
`;
}

export function migrationFile(input: TemplateInput): string {
  const p = parts(input);
  return `CREATE TABLE ${p.table} (${p.column} text PRIMARY KEY, note text NOT NULL);\n`;
}

export function indexFile(input: TemplateInput): string {
  const p = parts(input);
  return `// The ${input.name} subgraph: extends ${input.entity} (key \`${input.key}\`). Storage, migrations, the
// signed-identity check and the HTTP server come from the shared runtime.
import {
  badUserInput,
  loadTypeDefs,
  startSubgraph,
  unauthenticated,
  type SubgraphContext,
  type SubgraphStartOptions,
} from '../runtime/index.js';

export async function ${p.starter}(options: SubgraphStartOptions) {
  return startSubgraph({
    ...options,
    name: '${input.name}',
    typeDefs: await loadTypeDefs(new URL('../../schema/${input.name}.graphql', import.meta.url)),
    migrations: new URL('./migrations/', import.meta.url),
    resolvers: {
      ${input.entity}: {
        async __resolveReference({ ${input.key} }: { ${input.key}: string }, { db }: SubgraphContext) {
          const [row] = await db.query<{ note: string }>('SELECT note FROM ${p.table} WHERE ${p.column} = $1', [${input.key}]);
          return { ${input.key}, ${p.field}: row?.note ?? null };
        },
      },
      Mutation: {
        async ${p.setter}(_: unknown, { ${input.key}, note }: { ${input.key}: string; note: string }, { db, identity }: SubgraphContext) {
          if (!identity.sub) throw unauthenticated();
          if (note.length > 500) throw badUserInput('note: at most 500 characters', 'note');
          await db.query(
            'INSERT INTO ${p.table} (${p.column}, note) VALUES ($1, $2) ON CONFLICT (${p.column}) DO UPDATE SET note = EXCLUDED.note',
            [${input.key}, note],
          );
          return { ${input.key}, ${p.field}: note };
        },
      },
    },
  });
}
`;
}

export function mainFile(input: TemplateInput): string {
  const p = parts(input);
  return `import { runSubgraphMain } from '../runtime/index.js';
import { ${p.starter} } from './index.js';

await runSubgraphMain({ name: '${input.name}', defaultPort: ${input.port}, env: process.env, start: ${p.starter} });
`;
}

export function testFile(input: TemplateInput): string {
  const p = parts(input);
  return `import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ${p.starter} } from '../../subgraphs/${input.name}/index.js';
import type { RunningSubgraph } from '../../subgraphs/runtime/index.js';
import { callSubgraph, codes, TEST_GATEWAY_KEYS, user, type CallOptions } from './client.js';
import { testStorage } from './storage-fixture.js';

const storage = testStorage('${input.name}', { inMemory: true });
let subgraph: RunningSubgraph;

beforeAll(async () => {
  subgraph = await ${p.starter}({ port: 0, gatewayKeys: TEST_GATEWAY_KEYS, storage: storage.options, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await subgraph?.stop();
  await storage.cleanup();
});

const call = (query: string, options?: CallOptions) => callSubgraph(subgraph, query, options);
const ENTITIES = 'query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on ${input.entity} { ${input.key} ${p.field} } } }';
const SET = 'mutation ($${input.key}: ID!, $note: String!) { ${p.setter}(${input.key}: $${input.key}, note: $note) { ${input.key} ${p.field} } }';
const reps = (...keys: string[]) => keys.map((${input.key}) => ({ __typename: '${input.entity}', ${input.key} }));

describe('${input.name} subgraph', () => {
  it('resolves ${input.entity} entities, with a null note until one is set', async () => {
    const { body } = await call(ENTITIES, { identity: user('alice'), variables: { reps: reps('a1') } });
    expect(body).toEqual({ data: { _entities: [{ ${input.key}: 'a1', ${p.field}: null }] } });
  });

  it('stores a note for a signed-in caller and serves it through _entities', async () => {
    const set = await call(SET, { identity: user('alice'), variables: { ${input.key}: 'a2', note: 'first' } });
    expect(set.body.data).toEqual({ ${p.setter}: { ${input.key}: 'a2', ${p.field}: 'first' } });
    const { body } = await call(ENTITIES, { identity: user('bob'), variables: { reps: reps('a2', 'a3') } });
    expect(body.data!._entities).toEqual([{ ${input.key}: 'a2', ${p.field}: 'first' }, { ${input.key}: 'a3', ${p.field}: null }]);
  });

  it('refuses to set a note for an anonymous caller with UNAUTHENTICATED', async () => {
    const { body } = await call(SET, { identity: { scopes: [] }, variables: { ${input.key}: 'a4', note: 'x' } });
    expect(codes(body)).toEqual(['UNAUTHENTICATED']);
  });

  it('refuses a request without a signed identity with HTTP 401', async () => {
    const { status } = await call(ENTITIES, { identity: null, variables: { reps: reps('a1') } });
    expect(status).toBe(401);
  });
});
`;
}

export function listEntry(input: TemplateInput): string {
  return `  - name: ${input.name}\n    url: http://127.0.0.1:${input.port}/graphql\n    schema: ${input.name}.graphql\n`;
}
