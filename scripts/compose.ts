// npm run compose [-- --subgraphs schema/subgraphs.yaml --out schema/supergraph.graphql]
//                 [--check [--against FILE] [--allow-breaking] [--write]]
//
// Without --check: compose and replace --out. With --check: compose and compare the new API schema
// with the served one (--against, default --out); print breaking and dangerous changes; exit 1 on a
// breaking change unless --allow-breaking. --check alone writes nothing (a dry run); --check --write
// replaces --out only when the check passes.
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { compose, readSubgraphList, SubgraphListError, writeAtomically } from '../src/gateway/compose.js';
import { compareSupergraphs, formatChanges } from '../src/gateway/schema-check.js';
import { describeProblem } from '../src/gateway/supergraph-compose.js';

const { values } = parseArgs({
  options: {
    subgraphs: { type: 'string', default: 'schema/subgraphs.yaml' },
    out: { type: 'string', default: 'schema/supergraph.graphql' },
    check: { type: 'boolean', default: false },
    against: { type: 'string' },
    'allow-breaking': { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});
const out = values.out!;

/** Prints the check; true when the new supergraph may go live. */
function check(supergraphSdl: string): boolean {
  const against = values.against ?? out;
  if (!existsSync(against)) {
    process.stdout.write(`No served supergraph at ${against}: nothing to compare with.\n`);
    return true;
  }
  const changes = compareSupergraphs(readFileSync(against, 'utf8'), supergraphSdl);
  const breaking = changes.filter((c) => c.level === 'breaking').length;
  process.stdout.write(`Compared with ${against}:\n${formatChanges(changes)}`);
  if (breaking && !values['allow-breaking']) {
    process.stderr.write(
      `Refused: ${breaking} breaking change${breaking > 1 ? 's' : ''} (${changes.filter((c) => c.level === 'breaking').map((c) => c.coordinate).join(', ')}). ` +
        'Fix the subgraph schema, or pass --allow-breaking once no client depends on it.\n',
    );
    return false;
  }
  return true;
}

try {
  const entries = readSubgraphList(values.subgraphs!);
  const outcome = compose(entries);
  if (!outcome.ok) {
    process.stderr.write(`Composition failed; ${out} was left as it was.\n`);
    for (const p of outcome.problems) process.stderr.write(`${describeProblem(p)}\n`);
    process.exit(1);
  }
  const names = entries.map((e) => e.name).join(', ');
  if (values.check) {
    if (!check(outcome.supergraphSdl)) process.exit(1);
    if (!values.write) {
      process.stdout.write(`Check passed for ${names}; nothing written (add --write to replace ${out}).\n`);
      process.exit(0);
    }
  }
  writeAtomically(out, outcome.supergraphSdl);
  process.stdout.write(`Composed ${names} into ${out}\n`);
} catch (error) {
  if (!(error instanceof SubgraphListError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
