import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { SupergraphManager } from '@apollo/gateway';
import type { Logger } from 'pino';
import { compose, readSubgraphList, type CompositionProblem } from './compose.js';
import { gatewayCompatibleSupergraph, type SupergraphFileOptions } from './supergraph-file.js';

/** Composition failed: each problem names the subgraphs involved. */
export class CompositionError extends Error {
  constructor(
    readonly listPath: string,
    readonly problems: CompositionProblem[],
  ) {
    super(`composing ${listPath} failed:\n${problems.map(describeProblem).join('\n')}`);
  }
}

export function describeProblem(problem: CompositionProblem): string {
  const where = problem.subgraphs.length ? ` [${problem.subgraphs.join(', ')}]` : '';
  return `  ${problem.code}${where}: ${problem.message}`;
}

/** Reads the list and composes it; throws SubgraphListError or CompositionError. */
export function composeFromList(listPath: string): { supergraphSdl: string; files: string[] } {
  const entries = readSubgraphList(listPath);
  const outcome = compose(entries);
  if (!outcome.ok) throw new CompositionError(listPath, outcome.problems);
  return { supergraphSdl: outcome.supergraphSdl, files: [resolve(listPath), ...entries.map((e) => e.schemaPath)] };
}

export interface SupergraphFromSubgraphsOptions extends Omit<SupergraphFileOptions, 'path'> {
  /** The subgraph list, e.g. `schema/subgraphs.yaml`. */
  listPath: string;
}

/**
 * Composes the supergraph from a subgraph list at start (a failure is thrown: the gateway does not
 * start) and, with `watch`, recomposes when the list or one of its SDL files changes: a composition
 * error or a refused supergraph is logged with the subgraphs involved and the current one kept.
 */
export function supergraphFromSubgraphs(options: SupergraphFromSubgraphsOptions): SupergraphManager {
  const listPath = resolve(options.listPath);
  const { logger, onReload, validate, debounceMs = 100 } = options;
  return {
    async initialize({ update }) {
      const first = composeFromList(listPath);
      validate?.(first.supergraphSdl);
      let current = first.supergraphSdl;
      let files = new Set(first.files);
      const watchers = new Map<string, FSWatcher>();
      let timer: NodeJS.Timeout | undefined;

      const recompose = () => {
        let next: { supergraphSdl: string; files: string[] };
        try {
          next = composeFromList(listPath);
        } catch (error) {
          const problems = error instanceof CompositionError ? error.problems : undefined;
          logger.error({ err: error, listPath, problems }, 'recomposition failed; keeping the current supergraph');
          onReload?.({ ok: false, error: error as Error });
          return;
        }
        files = new Set(next.files);
        watchFolders();
        if (next.supergraphSdl === current) return;
        try {
          validate?.(next.supergraphSdl);
          update(gatewayCompatibleSupergraph(next.supergraphSdl));
          current = next.supergraphSdl;
          logger.info({ listPath }, 'supergraph recomposed');
          onReload?.({ ok: true });
        } catch (error) {
          logger.error({ err: error, listPath }, 'recomposed supergraph refused; keeping the current one');
          onReload?.({ ok: false, error: error as Error });
        }
      };

      // Folders, not files: editors and `compose` replace files by renaming new ones over them.
      const watchFolders = () => {
        if (!options.watch) return;
        for (const folder of new Set([...files].map((f) => dirname(f)))) {
          if (watchers.has(folder)) continue;
          watchers.set(
            folder,
            watch(folder, (_event, name) => {
              if (name && ![...files].some((f) => dirname(f) === folder && basename(f) === name)) return;
              clearTimeout(timer);
              timer = setTimeout(recompose, debounceMs);
            }),
          );
        }
      };
      watchFolders();

      return {
        supergraphSdl: gatewayCompatibleSupergraph(current),
        cleanup: async () => {
          clearTimeout(timer);
          for (const watcher of watchers.values()) watcher.close();
        },
      };
    },
  };
}
