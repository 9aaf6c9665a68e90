import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Kind, type OperationDefinitionNode } from 'graphql';
import { OperationsError, loadOperations, type NamedOperation } from './operations.js';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

/** One route as written in the config or `routes.yaml`. */
export const routeSchema = z
  .object({
    method: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase() : v), z.enum(METHODS)),
    /** Under the prefix; `{name}` is one path segment, the operation's variable `$name`. */
    path: z.string().regex(/^\/[\w\-./{}~]*$/, 'a path starting with /, e.g. /todos/{id}'),
    /** A named operation in the operations folder. */
    operation: z.string().regex(/^[_A-Za-z]\w*$/),
    /** The variable the whole JSON body is; without it, the body's fields are variables by name. */
    body: z.string().regex(/^[_A-Za-z]\w*$/).optional(),
    /** The success status: 200 (default), 201 (with `location`) or 204 (no body). */
    status: z.union([z.literal(200), z.literal(201), z.literal(204)]).default(200),
    /** For a 201: the new resource's path under the prefix, `{field}` filled from the answer. */
    location: z.string().startsWith('/').optional(),
  })
  .strict();
export type RouteInput = z.input<typeof routeSchema>;

/** A route checked against its operation, ready to match requests. */
export interface Route {
  method: Method;
  /** As written, under the prefix: `/todos/{id}`. */
  path: string;
  operation: NamedOperation;
  /** The path's `{name}` parameters, in order. */
  pathParams: string[];
  body?: string;
  status: 200 | 201 | 204;
  location?: string;
  /** The response key of the single root field whose value is the body; undefined: the whole `data`. */
  rootKey?: string;
  match: RegExp;
}

function rootKeyOf(definition: OperationDefinitionNode): string | undefined {
  const fields = definition.selectionSet.selections.filter((s) => !(s.kind === Kind.FIELD && s.name.value === '__typename'));
  const [only] = fields;
  return fields.length === 1 && only.kind === Kind.FIELD ? (only.alias ?? only.name).value : undefined;
}

/** Checks each route against the operations (names, path parameters, body variable, GET only for queries). */
export function buildRoutes(inputs: RouteInput[], operations: Map<string, NamedOperation>, source = 'rest.routes'): Route[] {
  const seen = new Set<string>();
  return inputs.map((input, index) => {
    const parsed = routeSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new OperationsError(`${source}[${index}].${issue.path.join('.')}: ${issue.message}`);
    }
    const raw = parsed.data;
    const where = `route ${raw.method} ${raw.path}`;
    const operation = operations.get(raw.operation);
    if (!operation) throw new OperationsError(`${where}: no operation named ${raw.operation} in the operations folder`);
    if (operation.type === 'subscription') throw new OperationsError(`${where}: ${raw.operation} is a subscription; routes serve queries and mutations`);
    if (raw.method === 'GET' && operation.type !== 'query') throw new OperationsError(`${where}: GET serves queries only, and ${raw.operation} is a ${operation.type}`);
    const variables = new Set((operation.definition.variableDefinitions ?? []).map((v) => v.variable.name.value));
    const pathParams = [...raw.path.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
    for (const name of pathParams) {
      if (!variables.has(name)) throw new OperationsError(`${where}: {${name}} is not a variable of ${raw.operation}`);
    }
    if (raw.body !== undefined && !variables.has(raw.body)) throw new OperationsError(`${where}: body ${raw.body} is not a variable of ${raw.operation}`);
    if (raw.body !== undefined && raw.method === 'GET') throw new OperationsError(`${where}: a GET has no body`);
    const key = `${raw.method} ${raw.path.replace(/\{[^}]*\}/g, '{}')}`;
    if (seen.has(key)) throw new OperationsError(`${where}: another route has the same method and path`);
    seen.add(key);
    const pattern = raw.path
      .split(/(\{[^}]*\})/)
      .map((part) => (part.startsWith('{') ? '([^/]+)' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
      .join('');
    return {
      ...raw,
      operation,
      pathParams,
      rootKey: rootKeyOf(operation.definition),
      match: new RegExp(`^${pattern}/?$`),
    };
  });
}

export interface RestSetup {
  routes: Route[];
  operations: Map<string, NamedOperation>;
}

/** The operations folder and its routes: `routes` when given, else the folder's `routes.yaml`. */
export function loadRestSetup(operationsDir: string, routes?: RouteInput[]): RestSetup {
  const operations = loadOperations(operationsDir);
  let inputs = routes;
  let source = 'rest.routes';
  if (!inputs) {
    const file = join(operationsDir, 'routes.yaml');
    if (!existsSync(file)) throw new OperationsError(`${file}: no route map (set rest.routes or write this file)`);
    const parsed = parseYaml(readFileSync(file, 'utf8')) as { routes?: unknown } | null;
    if (!parsed || !Array.isArray(parsed.routes)) throw new OperationsError(`${file}: must hold routes: [ { method, path, operation }, ... ]`);
    inputs = parsed.routes as RouteInput[];
    source = `${file}: routes`;
  }
  return { routes: buildRoutes(inputs, operations, source), operations };
}

/** The route for a path under the prefix, with its decoded path parameters; `allowed` lists methods for a 405. */
export function matchRoute(
  routes: Route[],
  method: string,
  path: string,
): { route: Route; params: Record<string, string> } | { allowed: Method[] } | undefined {
  const allowed: Method[] = [];
  for (const route of routes) {
    const found = route.match.exec(path);
    if (!found) continue;
    if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    route.pathParams.forEach((name, i) => (params[name] = found[i + 1]));
    return { route, params };
  }
  return allowed.length ? { allowed } : undefined;
}
