// npm run new-subgraph -- <name> [--extends Todo] [--key id] [--root .]
// Writes subgraphs/<name>/ (resolvers, migrations, main.ts), schema/<name>.graphql, a test, and the
// subgraph's entry in schema/subgraphs.yaml on the next free port.
import { parseArgs } from 'node:util';
import { SubgraphListError } from '../src/gateway/compose.js';
import { scaffoldSubgraph, ScaffoldError } from './scaffold/scaffold.js';

const USAGE = 'Usage: npm run new-subgraph -- <name> [--extends Todo] [--key id] [--root DIR]\n';

try {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { extends: { type: 'string', default: 'Todo' }, key: { type: 'string', default: 'id' }, root: { type: 'string', default: '.' } },
  });
  if (positionals.length !== 1) throw new ScaffoldError(`give one subgraph name\n${USAGE}`);
  const [name] = positionals;
  const { port, files } = scaffoldSubgraph({ root: values.root!, name, entity: values.extends, key: values.key });
  process.stdout.write(
    `Created the ${name} subgraph (port ${port}):\n${files.map((f) => `  ${f}`).join('\n')}\n\n` +
      `Next: edit schema/${name}.graphql and subgraphs/${name}/index.ts, then\n` +
      `  npm run compose -- --check --write   # compose, refusing breaking changes\n` +
      `  npm start                            # starts ${name} with the others\n` +
      `  npx vitest run test/subgraphs/${name}.test.ts\n`,
  );
} catch (error) {
  if (!(error instanceof ScaffoldError || error instanceof SubgraphListError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))) throw error;
  process.stderr.write(`new-subgraph: ${(error as Error).message}\n`);
  process.exit(1);
}
