/**
 * One JSON file of the security state under `<record_storage_path>/__security/` (kept by
 * memory mode when it clears the data directory, so it survives restarts in both storage
 * modes). Each write replaces the whole file through a temporary file and a rename, one
 * write at a time, so that a crash leaves the old file or the new one, never half of one.
 * Mode 0600: the files hold credentials.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SECURITY_DIRECTORY } from '../wal/wal-file-system.js';

export class SecurityFile {
  private readonly directory: string;
  private readonly path: string;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    recordStoragePath: string,
    private readonly name: string,
    private readonly version: number,
  ) {
    this.directory = join(recordStoragePath, SECURITY_DIRECTORY);
    this.path = join(this.directory, name);
  }

  /** The file's body (what `save` was given), or null when there is no file yet. */
  async load<Body>(): Promise<Body | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const file = JSON.parse(text) as { version: number };
    if (file.version !== this.version) throw new Error(`${this.name}: version ${file.version} is not one this build reads`);
    return file as Body;
  }

  /** Resolves once the file holds `body` (with its version). */
  save(body: object): Promise<void> {
    const text = JSON.stringify({ version: this.version, ...body });
    const write = async () => {
      await mkdir(this.directory, { recursive: true });
      await writeFile(`${this.path}.tmp`, text, { mode: 0o600 });
      await rename(`${this.path}.tmp`, this.path);
    };
    this.chain = this.chain.then(write, write);
    return this.chain;
  }
}
