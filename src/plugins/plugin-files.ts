/**
 * The file system as the plugin service sees it: read a component file, and be told when
 * it changes. A watch covers the file's directory and filters by name, so it survives
 * editors and `mv new.wasm plugin.wasm` replacing the file (a watch on the file itself
 * follows the old inode). Bursts of events (a copy writes in chunks) are debounced.
 */
import { Injectable } from '@nestjs/common';
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export const WATCH_DEBOUNCE_MS = 250;

@Injectable()
export class PluginFiles {
  read(path: string): Promise<Buffer> {
    return readFile(path);
  }

  /** Calls `onChange` once per burst of changes to `path`; returns the function that stops watching. */
  watch(path: string, onChange: () => void): () => void {
    const name = basename(path);
    let timer: NodeJS.Timeout | null = null;
    const watcher: FSWatcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file !== null && file !== name) return;
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        onChange();
      }, WATCH_DEBOUNCE_MS);
    });
    watcher.on('error', () => watcher.close());
    return () => {
      if (timer !== null) clearTimeout(timer);
      watcher.close();
    };
  }
}
