import { afterAll, expect, it } from 'vitest';
import { startTodosSubgraph } from '../../subgraphs/todos/index.js';
import { callSubgraph, TEST_GATEWAY_KEYS, user } from './client.js';
import { testStorage } from './storage-fixture.js';

const storage = testStorage('todos-persist');
afterAll(() => storage.cleanup());

it('keeps to-dos across a stop and a start on the same storage, applying migrations once', async () => {
  const first = await startTodosSubgraph({ gatewayKeys: TEST_GATEWAY_KEYS, storage: storage.options });
  const added = await callSubgraph(first, 'mutation { addTodo(input: { title: "survive" }) { id } }', {
    identity: user('ana'),
  });
  await first.stop();

  const second = await startTodosSubgraph({ gatewayKeys: TEST_GATEWAY_KEYS, storage: storage.options });
  try {
    const { body } = await callSubgraph(second, '{ todos { nodes { id title } } }', { identity: user('ana') });
    expect(body.data!.todos.nodes).toEqual([{ id: added.body.data!.addTodo.id, title: 'survive' }]);
    const migrations = await second.db.query('SELECT subgraph, version FROM schema_migrations');
    expect(migrations).toEqual([{ subgraph: 'todos', version: '001_create_todos' }]);
  } finally {
    await second.stop();
  }
});
