// How a subgraph name becomes identifiers, and which names the scaffold accepts.

export const NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const RESERVED = new Set(['runtime', 'gateway', 'supergraph', 'schema']);

/** Why `name` cannot be a subgraph name, or undefined when it can. */
export function nameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return `"${name}" is not a valid subgraph name: use lower-case letters and digits, words separated by "-", starting with a letter (e.g. "priorities", "due-dates")`;
  if (name.length > 30) return `"${name}" is too long: at most 30 characters`;
  if (RESERVED.has(name)) return `"${name}" is reserved: choose another name`;
  return undefined;
}

/** The identifiers a subgraph's files use: `due-dates` → camel `dueDates`, pascal `DueDates`, snake `due_dates`. */
export function namesOf(name: string) {
  const words = name.split('-');
  const pascal = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return { name, pascal, camel: pascal[0].toLowerCase() + pascal.slice(1), snake: words.join('_') };
}
