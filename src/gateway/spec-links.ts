import type { ConstDirectiveNode, DocumentNode } from 'graphql';

/**
 * The name a supergraph gives a directive of a linked spec: `@link(url: ".../cost/v0.1", as:, import:)`.
 * The spec's own directive (e.g. `@cost`) is named after the spec (or its `as`); another directive is
 * named as imported, else `<spec>__<directive>`.
 */
export function linkedDirectiveName(document: DocumentNode, specName: string, directive: string): string {
  for (const link of schemaDirectives(document).filter((d) => d.name.value === 'link')) {
    const arg = (name: string) => link.arguments?.find((a) => a.name.value === name)?.value;
    const url = arg('url');
    if (url?.kind !== 'StringValue' || !new RegExp(`/${specName}/v[\\d.]+$`).test(url.value)) continue;
    const as = arg('as');
    const prefix = as?.kind === 'StringValue' ? as.value : specName;
    if (directive === specName) return prefix;
    const imports = arg('import');
    if (imports?.kind === 'ListValue') {
      for (const item of imports.values) {
        if (item.kind === 'StringValue' && item.value === `@${directive}`) return directive;
        if (item.kind === 'ObjectValue') {
          const name = item.fields.find((f) => f.name.value === 'name')?.value;
          const alias = item.fields.find((f) => f.name.value === 'as')?.value;
          if (name?.kind === 'StringValue' && name.value === `@${directive}`) {
            return alias?.kind === 'StringValue' ? alias.value.replace(/^@/, '') : directive;
          }
        }
      }
    }
    return `${prefix}__${directive}`;
  }
  return directive;
}

function schemaDirectives(document: DocumentNode): readonly ConstDirectiveNode[] {
  return document.definitions.flatMap((d) =>
    d.kind === 'SchemaDefinition' || d.kind === 'SchemaExtension' ? (d.directives ?? []) : [],
  );
}
