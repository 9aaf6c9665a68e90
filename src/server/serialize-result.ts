import type { FormattedExecutionResult } from 'graphql';

/** The JSON of a result around its data: what comes before the data's JSON and after it. */
function around(result: FormattedExecutionResult): { before: string; after: string } {
  let before = '{';
  let after = '';
  let seenData = false;
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined) continue;
    if (key === 'data') {
      before += `${before === '{' ? '' : ','}"data":`;
      seenData = true;
      continue;
    }
    const part = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    if (seenData) after += `,${part}`;
    else before += `${before === '{' ? '' : ','}${part}`;
  }
  return { before, after: `${after}}` };
}

/**
 * The JSON of a result as bytes, with data already held as bytes (a cached answer) written as is: no
 * serialising and no encoding of the bulk of the answer per hit. Undefined when the data is not held.
 */
export function resultChunks(result: FormattedExecutionResult, dataBytes: Buffer | undefined): Buffer[] | undefined {
  if (!result.data || !dataBytes) return undefined;
  const { before, after } = around(result);
  return [Buffer.from(before), dataBytes, Buffer.from(after)];
}
