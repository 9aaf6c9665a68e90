// The gateways a run compares, in the order of each interleaved round.

export interface GatewayDefinition {
  /** Short name used on the command line and in results. */
  id: string;
  label: string;
  /** Process entry point, relative to bench/. Absent for a row that cannot be measured yet. */
  script?: string;
  /** Why there is no figure for this row (printed in the table instead of numbers). */
  unavailable?: string;
  /** The baseline the ratios are relative to. */
  baseline?: boolean;
  /** A failure to start is reported, not fatal to --smoke (third-party gateway). */
  optional?: boolean;
}

export const GATEWAYS: readonly GatewayDefinition[] = [
  { id: 'portico', label: 'Portico (features on, cache miss)', script: 'gateways/portico.ts' },
  // A cache-hit row will run Portico with the response cache on and the same document repeated.
  { id: 'portico-hit', label: 'Portico (cache hit)', unavailable: 'n/a: no response cache yet' },
  { id: 'apollo', label: '@apollo/gateway + @apollo/server (baseline)', script: 'gateways/apollo.ts', baseline: true },
  { id: 'hive', label: 'Hive Gateway', script: 'gateways/hive.ts', optional: true },
];
