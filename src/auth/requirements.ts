import type { ConstDirectiveNode, ConstValueNode } from 'graphql';
import type { Caller } from './caller.js';

/**
 * What a caller needs to see one field or type: the sum of the `@authenticated`, `@requiresScopes`
 * and `@policy` directives that apply to it. Each entry of `scopes`/`policies` is one directive
 * occurrence, an OR of ANDs; all occurrences must hold.
 */
export interface Requirement {
  authenticated: boolean;
  scopes: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>;
  policies: ReadonlyArray<ReadonlyArray<ReadonlyArray<string>>>;
}

export const NO_REQUIREMENT: Requirement = Object.freeze({ authenticated: false, scopes: [], policies: [] });

export const isEmpty = (r: Requirement) => !r.authenticated && r.scopes.length === 0 && r.policies.length === 0;

export function combine(...requirements: Requirement[]): Requirement {
  const present = requirements.filter((r) => !isEmpty(r));
  if (present.length === 0) return NO_REQUIREMENT;
  if (present.length === 1) return present[0];
  return {
    authenticated: present.some((r) => r.authenticated),
    scopes: present.flatMap((r) => r.scopes),
    policies: present.flatMap((r) => r.policies),
  };
}

/** The directive names in this supergraph (a `@link` may rename them with `as`). */
export interface AuthDirectiveNames {
  authenticated: string;
  requiresScopes: string;
  policy: string;
}

function listOfLists(value: ConstValueNode | undefined): string[][] {
  if (value?.kind !== 'ListValue') return [];
  return value.values.map((inner) =>
    inner.kind === 'ListValue' ? inner.values.flatMap((v) => (v.kind === 'StringValue' ? [v.value] : [])) : [],
  );
}

export function requirementFrom(
  directives: readonly ConstDirectiveNode[] | undefined,
  names: AuthDirectiveNames,
): Requirement {
  if (!directives?.length) return NO_REQUIREMENT;
  let authenticated = false;
  const scopes: string[][][] = [];
  const policies: string[][][] = [];
  for (const directive of directives) {
    const name = directive.name.value;
    if (name === names.authenticated) authenticated = true;
    else if (name === names.requiresScopes) scopes.push(listOfLists(directive.arguments?.find((a) => a.name.value === 'scopes')?.value));
    else if (name === names.policy) policies.push(listOfLists(directive.arguments?.find((a) => a.name.value === 'policies')?.value));
  }
  return authenticated || scopes.length || policies.length ? { authenticated, scopes, policies } : NO_REQUIREMENT;
}

/** The outcome of each named policy for one request. */
export type PolicyResults = ReadonlyMap<string, boolean>;

export function isSatisfied(requirement: Requirement, caller: Caller, policies: PolicyResults): boolean {
  if (requirement.authenticated && !caller.authenticated) return false;
  const granted = new Set(caller.scopes);
  for (const anyOf of requirement.scopes) {
    if (!anyOf.some((allOf) => allOf.every((scope) => granted.has(scope)))) return false;
  }
  for (const anyOf of requirement.policies) {
    if (!anyOf.some((allOf) => allOf.every((policy) => policies.get(policy) === true))) return false;
  }
  return true;
}

export function policyNames(requirement: Requirement): string[] {
  return requirement.policies.flat(2);
}
