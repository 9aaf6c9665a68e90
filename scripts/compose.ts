// npm run compose [-- --subgraphs schema/subgraphs.yaml --out schema/supergraph.graphql]
import { parseArgs } from 'node:util';
import { compose, readSubgraphList, SubgraphListError, writeAtomically } from '../src/gateway/compose.js';

const { values } = parseArgs({
  options: {
    subgraphs: { type: 'string', default: 'schema/subgraphs.yaml' },
    out: { type: 'string', default: 'schema/supergraph.graphql' },
  },
});

try {
  const entries = readSubgraphList(values.subgraphs!);
  const outcome = compose(entries);
  if (!outcome.ok) {
    process.stderr.write(`Composition failed; ${values.out} was left as it was.\n`);
    for (const p of outcome.problems) {
      const where = p.subgraphs.length ? ` [${p.subgraphs.join(', ')}]` : '';
      process.stderr.write(`  ${p.code}${where}: ${p.message}\n`);
    }
    process.exit(1);
  }
  writeAtomically(values.out!, outcome.supergraphSdl);
  process.stdout.write(`Composed ${entries.map((e) => e.name).join(', ')} into ${values.out}\n`);
} catch (error) {
  if (!(error instanceof SubgraphListError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
