// Test suites ported from The Guild's federation gateway audit (graphql-hive/federation-gateway-audit,
// src/test-suites/ and src/testkit.ts), under its licence:
//
//   MIT License
//
//   Copyright (c) 2024 - The Guild
//
//   Permission is hereby granted, free of charge, to any person obtaining a copy
//   of this software and associated documentation files (the "Software"), to deal
//   in the Software without restriction, including without limitation the rights
//   to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
//   copies of the Software, and to permit persons to whom the Software is
//   furnished to do so, subject to the following conditions:
//
//   The above copyright notice and this permission notice shall be included in all
//   copies or substantial portions of the Software.
//
//   THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
//   IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
//   FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
//   AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
//   LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
//   OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
//   SOFTWARE.
//
// What a suite is here: its subgraphs (SDL and resolvers, as in the audit's `*.subgraph.ts`), its test
// cases (query and expected answer, as in its `test.ts`), and the audit's own result for plain
// @apollo/gateway (gateways/apollo-gateway/results.txt: one `.` or `X` a case).

export interface AuditSubgraph {
  name: string;
  typeDefs: string;
  resolvers: Record<string, Record<string, unknown>>;
}

export interface AuditTest {
  query: string;
  /** As the audit's createTest: `errors` is whether errors are expected; absent, they are not compared. */
  expected: { data?: unknown; errors?: boolean };
}

export interface AuditSuite {
  id: string;
  subgraphs: AuditSubgraph[];
  tests: AuditTest[];
  /** The audit's results.txt line for plain @apollo/gateway: `.` passes, `X` fails. */
  apolloGateway: string;
}

export const createTest = (query: string, expected: AuditTest['expected']): AuditTest => ({ query, expected });

/**
 * The audit's comparison (its src/test.ts): `data` deep-equal (absent counts as null), and, only when
 * the case says whether errors are expected, whether the answer has any.
 */
export function auditView(expected: AuditTest['expected'], body: { data?: unknown; errors?: unknown[] }) {
  const errorsOptional = typeof expected.errors !== 'boolean';
  return {
    received: { data: body.data ?? null, errors: errorsOptional ? null : Boolean(body.errors?.length) },
    expected: { data: expected.data ?? null, errors: errorsOptional ? null : (expected.errors ?? false) },
  };
}
