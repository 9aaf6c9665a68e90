import type { Caller } from './caller.js';

/** What a policy sees of the request. */
export interface PolicyInput {
  caller: Caller;
  request: {
    operationName: string | null;
    variables: Readonly<Record<string, unknown>>;
    headers: ReadonlyMap<string, string>;
  };
}

/** A named rule for `@policy`: true allows, false (or a throw) denies. */
export type Policy = (input: PolicyInput) => boolean | Promise<boolean>;
