// The command line of the `portico` executable, as pure functions (src/main.ts runs them).
import { parseArgs } from 'node:util';
import type { ConfigInput } from './config/index.js';

export const USAGE = `Usage: portico [options]
       portico keys <create|list|revoke|rotate> ...   manage API keys (portico keys --help)

Serves a Federation 2 supergraph: one GraphQL endpoint in front of its subgraphs.

  --supergraph <file>   the composed supergraph to serve (default schema/supergraph.graphql);
                        reloaded when it changes
  --subgraphs <file>    a subgraph list (e.g. schema/subgraphs.yaml) to compose at start instead;
                        recomposed when the list or one of its SDL files changes
  --port <n>            listen port (default 4000; 0 picks a free one)
  --host <address>      listen address (default 127.0.0.1)
  --config <file>       config file: portico.config.{ts,mjs,js,yaml,yml} (default: the first found)
  -h, --help            print this help

Flags win over the environment (PORTICO_SUPERGRAPH, PORTICO_SUBGRAPHS, PORT, HOST, PORTICO_CONFIG),
which wins over the config file. Set either a supergraph or a subgraph list, not both.
`;

export type CliAction =
  | { kind: 'help' }
  | { kind: 'serve'; configFile?: string; overrides: ConfigInput }
  | { kind: 'error'; message: string };

/** Reads the arguments (without `node` and the script); never exits. */
export function parseCli(argv: string[]): CliAction {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        supergraph: { type: 'string' },
        subgraphs: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (values.supergraph && values.subgraphs) return { kind: 'error', message: 'give either --supergraph or --subgraphs, not both' };
  const overrides: ConfigInput = {};
  if (values.supergraph) overrides.supergraph = { path: values.supergraph };
  if (values.subgraphs) overrides.supergraph = { subgraphs: values.subgraphs };
  if (values.port || values.host) {
    overrides.server = {
      ...(values.port ? { port: values.port as unknown as number } : {}),
      ...(values.host ? { host: values.host } : {}),
    };
  }
  return { kind: 'serve', configFile: values.config, overrides };
}
