import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { SupergraphManager } from '@apollo/gateway';
import type { Logger } from 'pino';

/**
 * @apollo/gateway refuses a supergraph whose `@link` to the authenticated, requiresScopes or policy
 * specs carries `for: SECURITY`. Portico enforces those directives itself, so the gateway gets a copy
 * without that purpose.
 */
const SECURITY_LINK = /(@link\(\s*url:\s*"https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes|policy)\/v[\d.]+"[^)]*?),\s*for:\s*SECURITY/g;

export function gatewayCompatibleSupergraph(sdl: string): string {
  return sdl.replace(SECURITY_LINK, '$1');
}

export interface SupergraphFileOptions {
  path: string;
  /** Reload when the file changes. */
  watch: boolean;
  logger: Logger;
  /** Told after each reload attempt, with the error when the new supergraph was refused. */
  onReload?: (outcome: { ok: true } | { ok: false; error: Error }) => void;
  /** Throws to refuse a supergraph before it goes live (e.g. it names an unknown policy). */
  validate?: (supergraphSdl: string) => void;
  /** Quiet period after a change before the file is read, in ms (editors write in several steps). */
  debounceMs?: number;
}

function read(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Serves the supergraph from a file and hot-reloads it: a valid new supergraph is swapped in
 * (requests in flight finish on the old one); an invalid one is logged and the old one kept.
 */
export function supergraphFromFile(options: SupergraphFileOptions): SupergraphManager {
  const path = resolve(options.path);
  const { logger, onReload, validate, debounceMs = 100 } = options;
  return {
    async initialize({ update }) {
      let current = read(path);
      validate?.(current);
      let watcher: FSWatcher | undefined;
      let timer: NodeJS.Timeout | undefined;

      const reload = () => {
        let next: string;
        try {
          next = read(path);
        } catch (error) {
          logger.warn({ err: error, path }, 'supergraph file unreadable; keeping the current supergraph');
          return;
        }
        if (next === current) return;
        try {
          validate?.(next);
          update(gatewayCompatibleSupergraph(next));
          current = next;
          logger.info({ path }, 'supergraph reloaded');
          onReload?.({ ok: true });
        } catch (error) {
          logger.error({ err: error, path }, 'new supergraph refused; keeping the current one');
          onReload?.({ ok: false, error: error as Error });
        }
      };

      if (options.watch) {
        // Watch the folder, not the file: `compose` replaces the file by renaming a new one over it.
        watcher = watch(dirname(path), (_event, name) => {
          if (name && name !== basename(path)) return;
          clearTimeout(timer);
          timer = setTimeout(reload, debounceMs);
        });
      }
      return {
        supergraphSdl: gatewayCompatibleSupergraph(current),
        cleanup: async () => {
          clearTimeout(timer);
          watcher?.close();
        },
      };
    },
  };
}
