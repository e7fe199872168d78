/**
 * The ACLs, kept in memory and in one file, in both storage modes (ACLs outlive the records:
 * memory mode clears the records at boot, never the ACLs):
 *   `<record_storage_path>/__acls/acls.json`, replaced atomically (temporary file, fsync,
 *   rename, directory fsync): {"version":1,"acls":[{"resourceType":2,"resourceName":"orders",
 *   "patternType":3,"principal":"User:alice","host":"*","operation":3,"permissionType":3},…]}
 * (Kafka's own codes, see acl.ts.) CreateAcls and DeleteAcls are answered once the file holds
 * the change; a change whose write fails is undone in memory and reported, so what the
 * broker enforces is always what a restart would load. Changes are written one at a time.
 * A file this build cannot read stops the boot: starting without the ACLs would open the
 * broker to everyone they keep out.
 */
import { join } from 'node:path';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { BLINK_CONFIG, type BlinkConfig } from '../config/settings.js';
import { ACLS_DIRECTORY, WalFileSystem } from '../wal/wal-file-system.js';
import { type AclBinding, type AclBindingFilter, bindingKey, bindingProblem, filterMatches } from './acl.js';

const FILE_NAME = 'acls.json';
const FILE_VERSION = 1;
/** A bound on what one broker keeps (Kafka has none; a file of this many small JSON objects is a few MB). */
export const ACLS_MAX = 100_000;

interface AclFile {
  version: number;
  acls: AclBinding[];
}

export class AclLimitError extends Error {}

@Injectable()
export class AclStore implements OnModuleInit {
  private readonly bindings = new Map<string, AclBinding>();
  /** The bindings per resource type, rebuilt on every change: the authorizer reads it on every request. */
  private byType = new Map<number, AclBinding[]>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    @Inject(BLINK_CONFIG) private readonly config: BlinkConfig,
    private readonly fs: WalFileSystem,
  ) {}

  private get directory(): string {
    return join(this.config.recordStoragePath, ACLS_DIRECTORY);
  }

  private get path(): string {
    return join(this.directory, FILE_NAME);
  }

  async onModuleInit(): Promise<void> {
    const bytes = await this.fs.readWhole(this.path);
    if (bytes === null) return;
    for (const binding of parseAclFile(bytes, this.path)) this.bindings.set(bindingKey(binding), binding);
    this.reindex();
  }

  /** The bindings for one resource type (do not modify). */
  ofType(resourceType: number): readonly AclBinding[] {
    return this.byType.get(resourceType) ?? [];
  }

  private reindex(): void {
    const byType = new Map<number, AclBinding[]>();
    for (const binding of this.bindings.values()) {
      const list = byType.get(binding.resourceType);
      if (list === undefined) byType.set(binding.resourceType, [binding]);
      else list.push(binding);
    }
    this.byType = byType;
  }

  /** Every stored binding. */
  all(): AclBinding[] {
    return [...this.bindings.values()];
  }

  get size(): number {
    return this.bindings.size;
  }

  matching(filter: AclBindingFilter): AclBinding[] {
    return this.all().filter((binding) => filterMatches(filter, binding));
  }

  /** Adds the bindings (those already stored are kept once) and resolves once the file holds them. */
  add(bindings: readonly AclBinding[]): Promise<void> {
    return this.change(() => {
      const fresh = bindings.filter((binding) => !this.bindings.has(bindingKey(binding)));
      if (this.bindings.size + fresh.length > ACLS_MAX) throw new AclLimitError(`a broker keeps at most ${ACLS_MAX} ACLs`);
      for (const binding of fresh) this.bindings.set(bindingKey(binding), binding);
      return () => fresh.forEach((binding) => this.bindings.delete(bindingKey(binding)));
    });
  }

  /** Removes every binding a filter matches; resolves, once the file no longer holds them, with the removed bindings per filter. */
  async remove(filters: readonly AclBindingFilter[]): Promise<AclBinding[][]> {
    let removed: AclBinding[][] = [];
    await this.change(() => {
      removed = filters.map((filter) => this.matching(filter));
      const gone = new Map(removed.flat().map((binding) => [bindingKey(binding), binding]));
      for (const key of gone.keys()) this.bindings.delete(key);
      return () => gone.forEach((binding, key) => this.bindings.set(key, binding));
    });
    return removed;
  }

  /** Applies `mutate` (which returns its undo), saves, and undoes it when the save fails. */
  private change(mutate: () => () => void): Promise<void> {
    const next = this.chain.then(async () => {
      const undo = mutate();
      this.reindex();
      try {
        await this.save();
      } catch (error) {
        undo();
        this.reindex();
        throw error;
      }
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async save(): Promise<void> {
    await this.fs.makeDirectory(this.directory);
    const file: AclFile = { version: FILE_VERSION, acls: this.all() };
    await this.fs.writeAtomically(this.path, Buffer.from(JSON.stringify(file), 'utf8'), true);
  }
}

function parseAclFile(bytes: Buffer, path: string): AclBinding[] {
  let file: AclFile;
  try {
    file = JSON.parse(bytes.toString('utf8')) as AclFile;
  } catch (error) {
    throw new Error(`${path} is not valid JSON (${(error as Error).message}): fix or remove it`);
  }
  if (file?.version !== FILE_VERSION || !Array.isArray(file.acls)) throw new Error(`${path}: unsupported ACL file (version ${String(file?.version)})`);
  for (const binding of file.acls) {
    const problem = bindingProblem(binding);
    if (problem !== null) throw new Error(`${path}: a stored ACL is invalid: ${problem}`);
  }
  return file.acls;
}
