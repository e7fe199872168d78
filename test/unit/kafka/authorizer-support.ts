/**
 * An authorizer for handler unit tests: the real Authorizer and AclStore over a file system
 * that keeps the ACL file in memory (unit tests touch no disk), with the settings a test picks.
 */
import { AclStore } from '../../../src/authorizer/acl-store.js';
import { type AclBinding, PatternType, PermissionType, ResourceType, AclOperation } from '../../../src/authorizer/acl.js';
import { Authorizer } from '../../../src/authorizer/authorizer.js';
import type { BlinkConfig } from '../../../src/config/settings.js';
import type { WalFileSystem } from '../../../src/wal/wal-file-system.js';

export class InMemoryAclFile {
  readonly files = new Map<string, Buffer>();
  failWrites = false;

  async makeDirectory(): Promise<void> {}
  async readWhole(path: string): Promise<Buffer | null> {
    return this.files.get(path) ?? null;
  }
  async writeAtomically(path: string, data: Buffer): Promise<void> {
    if (this.failWrites) throw new Error('ENOSPC: no space left on device');
    this.files.set(path, data);
  }
}

export interface AuthorizerSettings {
  readonly enabled?: boolean;
  readonly superUsers?: string[];
  readonly allowEveryoneIfNoAclFound?: boolean;
}

export function authorizerFor(settings: AuthorizerSettings = {}, fs = new InMemoryAclFile()): { authorizer: Authorizer; store: AclStore; fs: InMemoryAclFile } {
  const config = {
    recordStoragePath: '/nowhere',
    authorizerEnabled: settings.enabled ?? true,
    superUsers: settings.superUsers ?? [],
    allowEveryoneIfNoAclFound: settings.allowEveryoneIfNoAclFound ?? false,
  } as Partial<BlinkConfig> as BlinkConfig;
  const store = new AclStore(config, fs as unknown as WalFileSystem);
  return { authorizer: new Authorizer(config, store), store, fs };
}

/** The authorizer as the default settings have it: off, so every request is allowed. */
export const OPEN_AUTHORIZER = authorizerFor({ enabled: false }).authorizer;

/** An ALLOW (or DENY) for User:ANONYMOUS from every host: the principal of every unauthenticated test request. */
export function anonymousAcl(resourceType: number, resourceName: string, operation: number, permissionType: number = PermissionType.ALLOW): AclBinding {
  return { resourceType, resourceName, patternType: PatternType.LITERAL, principal: 'User:ANONYMOUS', host: '*', operation, permissionType };
}

export { AclOperation, PermissionType, ResourceType };
