// Deterministic benchmark data. The seeded to-dos never change order, so a list query always returns
// the same page; mutations only add to-dos after the seeds and complete seeds beyond the first 100.

export const USER_COUNT = 20;
export const SEED_TODO_COUNT = 200;
/** Added to-dos kept in memory; the oldest are dropped beyond this, so a long run stays bounded. */
export const MAX_ADDED_TODOS = 1000;

export interface User {
  id: string;
  name: string;
  email: string;
}

export interface Todo {
  id: string;
  title: string;
  completed: boolean;
  ownerId: string;
}

export function seedUser(n: number): User {
  return { id: `user-${n}`, name: `User ${n}`, email: `user${n}@example.com` };
}

export function seedTodo(n: number): Todo {
  return { id: `todo-${n}`, title: `Todo number ${n}`, completed: n % 3 === 0, ownerId: `user-${((n - 1) % USER_COUNT) + 1}` };
}

export function seedUsers(): User[] {
  return Array.from({ length: USER_COUNT }, (_, i) => seedUser(i + 1));
}

export function seedTodos(): Todo[] {
  return Array.from({ length: SEED_TODO_COUNT }, (_, i) => seedTodo(i + 1));
}

export interface TodoStore {
  list(first: number): Todo[];
  get(id: string): Todo | undefined;
  ofOwner(ownerId: string, first: number): Todo[];
  add(title: string, ownerId: string): Todo;
  setCompleted(id: string, completed: boolean): Todo | undefined;
}

/** The todos subgraph's in-memory list: seeds first, then added to-dos, oldest first. */
export function createTodoStore(): TodoStore {
  const seeds = seedTodos();
  const added: Todo[] = [];
  const byId = new Map(seeds.map((todo) => [todo.id, todo]));
  let nextId = SEED_TODO_COUNT + 1;
  return {
    list: (first) => (first <= seeds.length ? seeds.slice(0, first) : [...seeds, ...added].slice(0, first)),
    get: (id) => byId.get(id),
    ofOwner: (ownerId, first) => {
      const out: Todo[] = [];
      for (const todo of seeds) {
        if (out.length >= first) return out;
        if (todo.ownerId === ownerId) out.push(todo);
      }
      for (const todo of added) {
        if (out.length >= first) break;
        if (todo.ownerId === ownerId) out.push(todo);
      }
      return out;
    },
    add(title, ownerId) {
      const todo: Todo = { id: `todo-${nextId++}`, title, completed: false, ownerId };
      added.push(todo);
      byId.set(todo.id, todo);
      if (added.length > MAX_ADDED_TODOS) byId.delete(added.shift()!.id);
      return todo;
    },
    setCompleted(id, completed) {
      const todo = byId.get(id);
      if (todo) todo.completed = completed;
      return todo;
    },
  };
}
