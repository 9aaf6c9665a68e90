import { isDeepStrictEqual } from 'node:util';
import { seedTodo, seedUser, USER_COUNT } from './data.js';
import { DEEP_EXPECTED, DEEP_QUERY } from './deep/workload.js';
import type { BenchGraph } from './graphs.js';

export interface WorkloadRequest {
  name: string;
  /** The JSON body sent, identical for every gateway. */
  body: string;
  /** Checks a parsed response body; returns what is wrong, or undefined when it is right. */
  check(response: unknown): string | undefined;
}

export interface Workload {
  id: string;
  label: string;
  /** The graph it queries (bench/graphs.ts). */
  graph: BenchGraph['id'];
  /** Concurrent connections unless --connections says otherwise; default 10. */
  connections?: number;
  /** Its measured runs last this many times --duration (a slow query needs longer for a steady state); default 1. */
  durationFactor?: number;
  /** Each connection cycles through these in order. */
  requests: WorkloadRequest[];
}

const LIST_SIZE = 50;
const OWNER_TODOS = 3;

function request(name: string, query: string, variables: Record<string, unknown> | undefined, check: WorkloadRequest['check']): WorkloadRequest {
  return { name, body: JSON.stringify({ query, variables, operationName: name }), check };
}

/** A check that the response is exactly `{ data: expected }` (extensions allowed). */
function exactly(expected: unknown): WorkloadRequest['check'] {
  return (response) => {
    const { data, errors } = response as { data?: unknown; errors?: unknown };
    if (errors) return `errors: ${JSON.stringify(errors).slice(0, 300)}`;
    return isDeepStrictEqual(data, expected) ? undefined : `unexpected data: ${JSON.stringify(data).slice(0, 300)}`;
  };
}

const ownerOf = (n: number) => ((n - 1) % USER_COUNT) + 1;

const list = request(
  'TodoList',
  `query TodoList { todos(first: ${LIST_SIZE}) { id title completed owner { id name email todos(first: ${OWNER_TODOS}) { id title } } } }`,
  undefined,
  exactly({
    todos: Array.from({ length: LIST_SIZE }, (_, i) => {
      const { id, title, completed } = seedTodo(i + 1);
      const owner = ownerOf(i + 1);
      return {
        id,
        title,
        completed,
        owner: {
          ...seedUser(owner),
          todos: Array.from({ length: OWNER_TODOS }, (_, k) => ({ id: `todo-${owner + k * USER_COUNT}`, title: `Todo number ${owner + k * USER_COUNT}` })),
        },
      };
    }),
  }),
);

const oneUser = request('OneUser', 'query OneUser { user(id: "user-7") { id name email } }', undefined, exactly({ user: seedUser(7) }));

const recent = request(
  'Recent',
  'query Recent { todos(first: 10) { id title completed owner { name } } }',
  undefined,
  exactly({
    todos: Array.from({ length: 10 }, (_, i) => {
      const { id, title, completed } = seedTodo(i + 1);
      return { id, title, completed, owner: { name: seedUser(ownerOf(i + 1)).name } };
    }),
  }),
);

const ADDED_TITLE = 'Benchmark to-do';
const add = request(
  'AddTodo',
  'mutation AddTodo($input: AddTodoInput!) { addTodo(input: $input) { id title completed owner { name } } }',
  { input: { title: ADDED_TITLE, ownerId: 'user-3' } },
  (response) => {
    const { data, errors } = response as { data?: { addTodo?: { id: string; title: string; completed: boolean; owner: { name: string } } }; errors?: unknown };
    if (errors) return `errors: ${JSON.stringify(errors).slice(0, 300)}`;
    const todo = data?.addTodo;
    const right = todo && /^todo-\d+$/.test(todo.id) && todo.title === ADDED_TITLE && todo.completed === false && todo.owner?.name === 'User 3';
    return right ? undefined : `unexpected data: ${JSON.stringify(data).slice(0, 300)}`;
  },
);

// todo-151 is outside every list above, so completing it changes no expected answer.
const complete = request(
  'CompleteTodo',
  'mutation CompleteTodo($id: ID!) { updateTodo(id: $id, completed: true) { id completed owner { name } } }',
  { id: 'todo-151' },
  exactly({ updateTodo: { id: 'todo-151', completed: true, owner: { name: seedUser(ownerOf(151)).name } } }),
);

const deep = request('Deep', DEEP_QUERY, undefined, exactly(DEEP_EXPECTED));

export const WORKLOADS: readonly Workload[] = [
  { id: 'list', label: `cross-subgraph list (${LIST_SIZE} to-dos + owners)`, graph: 'todos', requests: [list] },
  { id: 'single', label: 'single-subgraph (one user)', graph: 'todos', requests: [oneUser] },
  // 6 reads to 2 writes: each connection cycles through this sequence.
  { id: 'mixed', label: 'mixed read/write (25% mutations)', graph: 'todos', requests: [recent, recent, recent, add, recent, recent, recent, complete] },
  // The shape of the public federation gateway benchmark: 4 subgraphs, entities 6 levels deep, ~78 KB,
  // 50 connections; each answer takes tens of milliseconds, so its rounds last 3 × --duration.
  { id: 'deep', label: 'deep federated query (4 subgraphs, 6 levels, ~78 KB)', graph: 'deep', connections: 50, durationFactor: 3, requests: [deep] },
  // Not requests: subscribers over graphql-ws and a mutation sender (bench/live/), on the demo subgraphs.
  { id: 'subscriptions', label: 'todoChanged to 1,000 subscribers over graphql-ws (bench/live/)', graph: 'live', requests: [] },
];

export function workloadById(id: string): Workload {
  const workload = WORKLOADS.find((w) => w.id === id);
  if (!workload) throw new Error(`unknown workload ${id}; known: ${WORKLOADS.map((w) => w.id).join(', ')}`);
  return workload;
}
