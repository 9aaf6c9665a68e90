// The one pipeline, alone: plugins in order, once each, refusals, answers and response hooks.
import { GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { OperationResponse } from '../../src/server/operation.js';
import { createPipeline, type PorticoPlugin } from '../../src/server/pipeline.js';
import { testOperation, testSchema } from '../helpers/operation.js';

const response = (): OperationResponse => ({ headers: new Map(), result: { data: { me: 'ann' } } });

describe('the pipeline', () => {
  it('runs each plugin once, in order, and the response hooks last registered first', async () => {
    const seen: string[] = [];
    const plugin = (name: string): PorticoPlugin => ({
      name,
      onOperation(_op, scope) {
        seen.push(`operation ${name}`);
        scope.onResponse(() => void seen.push(`response ${name}`));
      },
    });
    const pipeline = createPipeline([plugin('a'), plugin('b'), plugin('c')]);
    const run = await pipeline.start(testOperation('{ me }', { pipeline }));
    expect(await run.respond()).toBeNull();
    await run.finish(response());
    expect(seen).toEqual(['operation a', 'operation b', 'operation c', 'response c', 'response b', 'response a']);
  });

  it('stops at a refusal: later plugins do not run, hooks registered before it still do', async () => {
    const seen: string[] = [];
    const pipeline = createPipeline([
      { name: 'first', onOperation: (_op, scope) => scope.onResponse(() => void seen.push('first finished')) },
      {
        name: 'refuses',
        onOperation: () => {
          throw new GraphQLError('no', { extensions: { code: 'THROTTLED' } });
        },
      },
      { name: 'never', onOperation: () => void seen.push('never ran') },
    ]);
    const run = await pipeline.start(testOperation('{ me }', { pipeline }));
    expect(run.refused).toMatchObject({ extensions: { code: 'THROTTLED' } });
    await run.finish(response());
    expect(seen).toEqual(['first finished']);
  });

  it('answers with the first responder that answers, and not after a refusal', async () => {
    const pipeline = createPipeline([
      { name: 'empty', onOperation: (_op, scope) => scope.respondWith(async () => null) },
      { name: 'cache', onOperation: (_op, scope) => scope.respondWith(async () => ({ data: { me: 'cached' } })) },
    ]);
    expect(await (await pipeline.start(testOperation('{ me }', { pipeline }))).respond()).toEqual({ data: { me: 'cached' } });
  });

  it('shows later plugins the rewritten document, and keeps one analysis per document and part', async () => {
    let made = 0;
    const rewritten = parse('{ todos }');
    const pipeline = createPipeline([
      { name: 'rewrites', onOperation: (op) => op.rewrite({ document: rewritten, definition: rewritten.definitions[0] as never, hash: 'h2' }) },
      {
        name: 'analyses',
        onOperation(op) {
          expect(op.runs.hash).toBe('h2');
          expect(op.analysis('part', () => ++made)).toBe(1);
        },
      },
    ]);
    for (let i = 0; i < 3; i++) await pipeline.start(testOperation('{ me }', { pipeline }));
    expect(made).toBe(1);
    // A new supergraph forgets every analysis.
    pipeline.useSupergraph({} as never, testSchema);
    await pipeline.start(testOperation('{ me }', { pipeline }));
    expect(made).toBe(2);
  });
});
