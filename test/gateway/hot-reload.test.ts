import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAtomically } from '../../src/gateway/compose.js';
import { graphql, startGateway } from '../helpers/stack.js';
import { eventually } from '../helpers/eventually.js';

const hasType = async (url: string, name: string) => {
  const { body } = await graphql(url, 'query($n: String!) { __type(name: $n) { name } }', { variables: { n: name } });
  return body.data?.__type?.name === name;
};

describe('supergraph hot reload', () => {
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let path: string;
  const original = readFileSync('schema/supergraph.graphql', 'utf8');

  beforeAll(async () => {
    path = join(mkdtempSync(join(tmpdir(), 'portico-reload-')), 'supergraph.graphql');
    copyFileSync('schema/supergraph.graphql', path);
    gateway = await startGateway({}, { supergraph: { path, watch: true } });
  });
  afterAll(() => gateway?.server.stop());

  it('keeps serving the old supergraph when the new file is invalid', async () => {
    expect(await hasType(gateway.url, 'Todo')).toBe(true);
    writeAtomically(path, 'this is not a supergraph');
    await new Promise((r) => setTimeout(r, 400));
    expect(await hasType(gateway.url, 'Todo')).toBe(true);
  });

  it('swaps in a valid new supergraph without a restart', async () => {
    const extended = original.replace(/(type Todo\b[^{]*\{)/, '$1\n  reloadMarker: String @join__field(graph: TODOS)\n');
    expect(extended).not.toBe(original);
    writeAtomically(path, extended);
    const field = async () => {
      const { body } = await graphql(gateway.url, '{ __type(name: "Todo") { fields { name } } }');
      return body.data.__type.fields.some((f: { name: string }) => f.name === 'reloadMarker');
    };
    expect(await eventually(field)).toBe(true);
  });
});
