// graphql-js ends a message with its suggestions: `Cannot query field "nmae" on type "User". Did you mean "name"?`,
// also for arguments, types, enum values and input fields, and in variable coercion errors.
const SUGGESTIONS = /\s*Did you mean [^?]*\?/g;

/** The message without graphql-js's "Did you mean …?" suggestions, which name parts of the schema. */
export function withoutSuggestions(message: string): string {
  return message.includes('Did you mean') ? message.replace(SUGGESTIONS, '') : message;
}
