import { createHash } from 'node:crypto';
import { GraphQLError, parse, specifiedRules, validate, NoSchemaIntrospectionCustomRule, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';

const DOCUMENTS = 1000;
// Bounds on what is kept: the documents' text in all, and one document's.
const DOCUMENT_CHARACTERS = 8 * 1024 * 1024;
const LARGEST_DOCUMENT = 64 * 1024;

export interface ValidDocument {
  document: DocumentNode;
  /** SHA-256 of the text (Apollo Server's query hash: what a persisted query is asked by). */
  hash: string;
}

export interface DocumentOptions {
  maxTokens: number;
  introspection: boolean;
  /** Portico's own rules (reserved response keys, shape limits), after graphql-js's. */
  rules: ValidationRule[];
}

/** The rules every document is validated with, whichever entry point reads it (Apollo Server's too). */
export function validationRules(options: Pick<DocumentOptions, 'introspection' | 'rules'>): ValidationRule[] {
  return [...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]), ...options.rules];
}

/**
 * Documents parsed and validated once per schema, for Portico's own entry points. A document that
 * does not parse or validate is remembered as such (null): its errors are Apollo Server's to word.
 */
export function createDocuments(options: DocumentOptions) {
  const rules = [...specifiedRules, ...validationRules(options)];
  let schema: GraphQLSchema | undefined;
  let known = new Map<string, ValidDocument | null>();
  let characters = 0;

  function remember(source: string, value: ValidDocument | null): void {
    if (source.length > LARGEST_DOCUMENT) return;
    while (known.size && (known.size >= DOCUMENTS || characters + source.length > DOCUMENT_CHARACTERS)) {
      const oldest = known.keys().next().value as string;
      known.delete(oldest);
      characters -= oldest.length;
    }
    known.set(source, value);
    characters += source.length;
  }

  return {
    /**
     * Why a text is not a valid document, as Apollo Server codes it (GRAPHQL_PARSE_FAILED,
     * GRAPHQL_VALIDATION_FAILED keeping a rule's own error as `originalError`), each with HTTP 400.
     */
    errorsOf(source: string): GraphQLError[] {
      const http = { status: 400 };
      let document: DocumentNode;
      try {
        document = parse(source, { maxTokens: options.maxTokens });
      } catch (error) {
        return [new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED', http } })];
      }
      return validate(schema!, document, rules).map(
        (error) => new GraphQLError(error.message, { nodes: error.nodes, originalError: error, extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED', http } }),
      );
    },
    /** The schema documents are validated against now: documents of another are forgotten. */
    useSchema(current: GraphQLSchema): void {
      schema = current;
      known = new Map();
      characters = 0;
    },
    get schema() {
      return schema;
    },
    /** The document for this text, or null when it does not parse or validate (or no schema is loaded). */
    get(source: string): ValidDocument | null {
      if (!schema) return null;
      const hit = known.get(source);
      if (hit !== undefined) {
        // Most recently used last, so the oldest goes first.
        known.delete(source);
        known.set(source, hit);
        return hit;
      }
      let value: ValidDocument | null = null;
      try {
        const document = parse(source, { maxTokens: options.maxTokens });
        if (validate(schema, document, rules).length === 0) value = { document, hash: createHash('sha256').update(source).digest('hex') };
      } catch {
        value = null;
      }
      remember(source, value);
      return value;
    },
  };
}

export type Documents = ReturnType<typeof createDocuments>;
