// What the subscriptions workload sends: every subscriber is the owner of one to-do (one token,
// one subject), subscribed to `todoChanged`; the sender renames that to-do, each title carrying a
// sequence number, so each event can be matched to the mutation that caused it.

export const SUBSCRIBERS = 1000;
/** Mutations in flight: each sender sends its next once the previous one's event reached every subscriber. */
export const IN_FLIGHT = 4;

/** The event is the todos subgraph's alone (no entity fetch per event): what is measured is the fan-out. */
export const SUBSCRIPTION = 'subscription Live { todoChanged { kind id todo { id title completed } } }';
export const ADD_TODO = 'mutation AddTodo($input: AddTodoInput!) { addTodo(input: $input) { id } }';
export const UPDATE_TODO = 'mutation Rename($id: ID!, $input: UpdateTodoInput!) { updateTodo(id: $id, input: $input) { id } }';

export const titleOf = (sequence: number) => `bench event ${sequence}`;
export const sequenceOf = (title: string) => Number(title.slice('bench event '.length));
