import {
  getNamedType,
  isAbstractType,
  isObjectType,
  isInterfaceType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import {
  combine,
  NO_REQUIREMENT,
  policyNames,
  requirementFrom,
  type AuthDirectiveNames,
  type Requirement,
} from './requirements.js';
import { linkedDirectiveName } from '../gateway/spec-links.js';
import type { Supergraph } from '../gateway/supergraph.js';

/** The supergraph's authorization rules: what each type and field requires. */
export interface AuthSchema {
  /** The supergraph schema (with @inaccessible elements), for walking documents. */
  schema: GraphQLSchema;
  /** Requirement of a type (`@authenticated` etc. on the type itself). */
  typeRequirement(type: GraphQLNamedType): Requirement;
  /**
   * Requirement of selecting `field` on `parent`: the field's own directives, its return type's, and
   * when `parent` is abstract, those of the same field on every possible object type.
   */
  fieldRequirement(parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>): Requirement;
  /** Every policy name the supergraph uses. */
  policies: ReadonlySet<string>;
  /** True when the supergraph declares no authorization directive at all. */
  empty: boolean;
}

export function buildAuthSchema({ document, schema }: Supergraph): AuthSchema {
  const names: AuthDirectiveNames = {
    authenticated: linkedDirectiveName(document, 'authenticated', 'authenticated'),
    requiresScopes: linkedDirectiveName(document, 'requiresScopes', 'requiresScopes'),
    policy: linkedDirectiveName(document, 'policy', 'policy'),
  };

  const typeRequirements = new Map<string, Requirement>();
  const fieldRequirements = new Map<string, Requirement>();
  const policies = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    const directives = [type.astNode, ...type.extensionASTNodes].flatMap((n) => n?.directives ?? []);
    const requirement = requirementFrom(directives, names);
    if (requirement !== NO_REQUIREMENT) typeRequirements.set(type.name, requirement);
    policyNames(requirement).forEach((p) => policies.add(p));
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const own = requirementFrom(field.astNode?.directives, names);
        if (own !== NO_REQUIREMENT) fieldRequirements.set(`${type.name}.${field.name}`, own);
        policyNames(own).forEach((p) => policies.add(p));
      }
    }
  }

  const typeRequirement = (type: GraphQLNamedType) => typeRequirements.get(type.name) ?? NO_REQUIREMENT;
  const ownFieldRequirement = (parent: GraphQLNamedType, field: GraphQLField<unknown, unknown>) =>
    combine(fieldRequirements.get(`${parent.name}.${field.name}`) ?? NO_REQUIREMENT, typeRequirement(getNamedType(field.type)));

  const memo = new Map<string, Requirement>();
  return {
    schema,
    policies,
    empty: typeRequirements.size === 0 && fieldRequirements.size === 0,
    typeRequirement,
    fieldRequirement(parent, field) {
      const key = `${parent.name}.${field.name}`;
      let requirement = memo.get(key);
      if (requirement) return requirement;
      requirement = ownFieldRequirement(parent, field);
      if (isAbstractType(parent) && !field.name.startsWith('__')) {
        // Selected through an interface, the field reaches every implementation: each one's rules apply.
        const implementations = schema.getPossibleTypes(parent).map((object) => {
          const implemented = object.getFields()[field.name];
          return combine(typeRequirement(object), implemented ? ownFieldRequirement(object, implemented) : NO_REQUIREMENT);
        });
        requirement = combine(requirement, ...implementations);
      }
      memo.set(key, requirement);
      return requirement;
    },
  };
}
