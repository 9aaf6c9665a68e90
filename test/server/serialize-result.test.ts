import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resultChunks } from '../../src/server/serialize-result.js';

describe('the result serializer', () => {
  const result = fc.record(
    {
      errors: fc.array(fc.record({ message: fc.string(), path: fc.array(fc.oneof(fc.string(), fc.nat())) }), { maxLength: 2 }),
      data: fc.oneof(fc.constant(null), fc.dictionary(fc.string(), fc.jsonValue())),
      extensions: fc.dictionary(fc.string(), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );

  it('writes data it already holds as JSON exactly as JSON.stringify would', () => {
    fc.assert(
      fc.property(result, (value) => {
        const chunks = resultChunks(value, value.data ? Buffer.from(JSON.stringify(value.data)) : undefined);
        if (value.data) expect(Buffer.concat(chunks!).toString()).toBe(JSON.stringify(value));
        else expect(chunks).toBeUndefined();
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('uses the held bytes instead of serialising the data again', () => {
    const data = { todos: [{ id: 'todo-1' }] };
    const chunks = resultChunks({ data, extensions: { cost: { requestedQueryCost: 3 } } }, Buffer.from('{"todos":[{"id":"from-cache"}]}'));
    expect(JSON.parse(Buffer.concat(chunks!).toString())).toEqual({
      data: { todos: [{ id: 'from-cache' }] },
      extensions: { cost: { requestedQueryCost: 3 } },
    });
  });
});
