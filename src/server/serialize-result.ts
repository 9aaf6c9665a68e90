import type { FormattedExecutionResult } from 'graphql';

/**
 * Apollo Server's `stringifyResult`: like JSON.stringify, but data that is already JSON (a cached
 * answer) is written as is instead of being serialised again on every hit.
 */
export function createResultSerializer(serializedData: (data: object) => string | undefined) {
  return (result: FormattedExecutionResult): string => {
    const json = result.data ? serializedData(result.data) : undefined;
    if (json === undefined) return JSON.stringify(result);
    const parts: string[] = [];
    for (const [key, value] of Object.entries(result)) {
      if (value === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${key === 'data' ? json : JSON.stringify(value)}`);
    }
    return `{${parts.join(',')}}`;
  };
}
