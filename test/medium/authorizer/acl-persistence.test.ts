/**
 * Medium (a real temporary directory): ACLs survive a restart in both storage modes. The
 * whole AppModule boots on a directory, stores ACLs, shuts down, boots again on the same
 * directory (memory mode clears the records at boot, never the ACLs) and enforces them; a
 * deletion survives as well, and a damaged ACL file stops the boot instead of opening the
 * broker.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Logger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { register } from 'prom-client';
import { AppModule } from '../../../src/app.module.js';
import { AclOperation, type AclBinding, PatternType, PermissionType, ResourceType } from '../../../src/authorizer/acl.js';
import { AclStore } from '../../../src/authorizer/acl-store.js';
import { Authorizer } from '../../../src/authorizer/authorizer.js';
import { loadSettings } from '../../../src/config/settings.js';
import { StorageRecovery } from '../../../src/recovery/storage-recovery.js';
import { ACLS_DIRECTORY } from '../../../src/wal/wal-file-system.js';
import { withTempDir } from '../../support/wal-fixtures.js';

Logger.overrideLogger(false);

async function boot(dir: string, mode: string): Promise<TestingModule> {
  const env = { RECORD_STORAGE_PATH: dir, LOG_LEVEL: 'error', MAX_MEMORY: '64MB', STORAGE_MODE: mode, AUTHORIZER_ENABLED: 'true' };
  const config = loadSettings({ argv: [], env, cwd: dir });
  register.clear();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  await moduleRef.init();
  await moduleRef.get(StorageRecovery).completed();
  return moduleRef;
}

async function shutDown(moduleRef: TestingModule): Promise<void> {
  await moduleRef.close();
  register.clear();
}

const READ_ORDERS: AclBinding = {
  resourceType: ResourceType.TOPIC,
  resourceName: 'orders',
  patternType: PatternType.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: AclOperation.READ,
  permissionType: PermissionType.ALLOW,
};
const WRITE_PREFIXED: AclBinding = { ...READ_ORDERS, resourceName: 'ord', patternType: PatternType.PREFIXED, operation: AclOperation.WRITE };
const ALICE = { principal: 'User:alice', host: '127.0.0.1' };

for (const mode of ['memory', 'durable']) {
  describe(`ACL persistence (${mode} mode)`, () => {
    it('keeps created ACLs and forgets deleted ones across restarts', async () => {
      await withTempDir(async (dir) => {
        const first = await boot(dir, mode);
        await first.get(AclStore).add([READ_ORDERS, WRITE_PREFIXED, READ_ORDERS]);
        assert.equal(first.get(AclStore).size, 2, 'a binding given twice is stored once');
        await shutDown(first);

        const second = await boot(dir, mode);
        const authorizer = second.get(Authorizer);
        assert.deepEqual(second.get(AclStore).all(), [READ_ORDERS, WRITE_PREFIXED]);
        assert.equal(authorizer.authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, 'orders'), true);
        assert.equal(authorizer.authorize(ALICE, AclOperation.WRITE, ResourceType.TOPIC, 'orders-eu'), true);
        assert.equal(authorizer.authorize(ALICE, AclOperation.READ, ResourceType.TOPIC, 'orders-eu'), false);
        const [removed] = await second.get(AclStore).remove([{ ...READ_ORDERS, resourceName: null, patternType: PatternType.ANY, principal: null, host: null, operation: AclOperation.WRITE }]);
        assert.deepEqual(removed, [WRITE_PREFIXED]);
        await shutDown(second);

        const third = await boot(dir, mode);
        assert.deepEqual(third.get(AclStore).all(), [READ_ORDERS]);
        await shutDown(third);
      });
    });
  });
}

describe('ACL file damage', () => {
  it('stops the boot rather than start without the ACLs', async () => {
    await withTempDir(async (dir) => {
      const first = await boot(dir, 'memory');
      await first.get(AclStore).add([READ_ORDERS]);
      await shutDown(first);
      await writeFile(join(dir, ACLS_DIRECTORY, 'acls.json'), '{"version":1,"acls":[{"resourceType":');
      await assert.rejects(boot(dir, 'memory'), /acls\.json is not valid JSON/);
    });
  });
});
