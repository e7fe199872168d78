import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { NestFactory } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import {
  BLINK_CONFIG,
  describeSettings,
  loadSettings,
  REDACTED,
  SettingsError,
  SettingsModule,
  type BlinkConfig,
} from '../../../src/config/settings.js';

const REPO_SETTINGS_FILE = resolve(import.meta.dirname, '../../../../config/settings.yaml');
const tempDirs: string[] = [];
after(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh working directory; with `yaml`, it holds config/settings.yaml (the default location). */
function workDir(yaml?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'blink-settings-'));
  tempDirs.push(dir);
  if (yaml !== undefined) {
    mkdirSync(join(dir, 'config'));
    writeFileSync(join(dir, 'config', 'settings.yaml'), yaml);
  }
  return dir;
}

function load(options: { yaml?: string; env?: Record<string, string>; argv?: string[]; cwd?: string } = {}) {
  const cwd = options.cwd ?? workDir(options.yaml);
  return loadSettings({ argv: options.argv ?? [], env: options.env ?? {}, cwd });
}

/** The SettingsError message; fails the test if loading succeeds or throws something else. */
function rejection(options: Parameters<typeof load>[0]): SettingsError {
  try {
    load(options);
  } catch (error) {
    assert.ok(error instanceof SettingsError, `expected SettingsError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadSettings to throw SettingsError');
}

function defaultsIn(cwd: string, settingsFile: string | null): BlinkConfig {
  return {
    maxMemoryBytes: 1024 ** 3,
    retentionMs: 5 * 60_000,
    brokerPorts: [9092, 9094],
    restPort: 30004,
    kafkaHostname: '0.0.0.0',
    advertisedHostname: 'localhost',
    recordStoragePath: join(cwd, 'records'),
    purgeOnFetch: false,
    enableConsumerGroups: true,
    groupConsumerSessionTimeoutMs: 45_000,
    groupConsumerHeartbeatIntervalMs: 5_000,
    pluginPaths: [],
    pluginRejectMode: 'reject-batch',
    pluginTimeoutMs: 100,
    pluginMaxMemoryBytes: 64 * 1024 ** 2,
    defaultNumPartitions: 1,
    autoCreateTopics: true,
    messageMaxBytes: 1_048_588,
    logLevel: 'info',
    storageMode: 'memory',
    fsyncPolicy: 'interval',
    fsyncIntervalMs: 1000,
    segmentBytes: 1024 ** 3,
    segmentMs: 7 * 86_400_000,
    transactionMaxTimeoutMs: 15 * 60_000,
    transactionalIdExpirationMs: 7 * 86_400_000,
    logCleanupPolicy: 'delete',
    logCleanerMinCleanableRatio: 0.5,
    logCleanerBackoffMs: 15_000,
    metricsMaxEntities: 100,
    queuedMaxRequestBytes: 256 * 1024 ** 2,
    maxConnections: 10_000,
    maxConnectionsPerIp: 2_147_483_647,
    maxConnectionsPerIpOverrides: {},
    quotaWindowNum: 11,
    quotaWindowSizeMs: 1000,
    telemetryMaxBytes: 1024 * 1024,
    clientMetricsMaxSeries: 2000,
    requestTimeoutMs: 30_000,
    connectionsMaxIdleMs: 600_000,
    adminToken: null,
    listeners: [9092, 9094].map((port) => ({
      name: 'PLAINTEXT',
      securityProtocol: 'PLAINTEXT',
      host: '0.0.0.0',
      port,
      advertisedHost: 'localhost',
      advertisedPort: port,
    })),
    listenerSettings: { listeners: '', advertisedListeners: '', protocolMap: '' },
    ssl: { certFile: null, keyFile: null, caFile: null, clientAuth: 'none', principalMappingRules: 'DEFAULT' },
    sasl: {
      enabledMechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'],
      users: [],
      usersDir: null,
      maxReauthMs: 0,
      failedAuthenticationDelayMs: 100,
      oauthBearer: { jwksFile: null, expectedIssuer: null, expectedAudience: [], subClaimName: 'sub', scopeClaimName: 'scope', clockSkewMs: 30_000, unsecuredRequiredScope: [] },
      delegationTokens: { secretKey: null, maxLifetimeMs: 604_800_000, expiryTimeMs: 86_400_000, expiryCheckIntervalMs: 3_600_000 },
    },
    authorizerEnabled: false,
    superUsers: [],
    allowEveryoneIfNoAclFound: false,
    adminTokenPrincipal: 'User:admin',
    uplink: {
      enabled: false,
      bootstrapServers: [],
      topics: [],
      topicPrefix: '',
      clientId: 'blink-uplink',
      securityProtocol: 'PLAINTEXT',
      sasl: null,
      tls: null,
      batchMaxBytes: 1024 ** 2,
      maxInFlight: 8,
      unmirrored: 'keep',
      groupSyncIntervalMs: 5_000,
    },
    settingsFile,
  };
}

describe('loadSettings sources', () => {
  it('uses the built-in defaults when there is no settings file and no env', () => {
    const cwd = workDir();
    assert.deepEqual(load({ cwd }), defaultsIn(cwd, null));
  });

  it('ships a config/settings.yaml that holds exactly the built-in defaults', () => {
    const cwd = workDir();
    const config = load({ cwd, argv: ['--settings', REPO_SETTINGS_FILE] });
    assert.deepEqual(config, defaultsIn(cwd, REPO_SETTINGS_FILE));
  });

  it('reads config/settings.yaml from the working directory and lets it override defaults', () => {
    const cwd = workDir('max_memory: "2GB"\nbroker_ports: [19092]\npurge_on_fetch: true\nplugin_paths: [a.wasm]\n');
    const config = load({ cwd });
    assert.equal(config.maxMemoryBytes, 2 * 1024 ** 3);
    assert.deepEqual(config.brokerPorts, [19092]);
    assert.equal(config.purgeOnFetch, true);
    assert.deepEqual(config.pluginPaths, [join(cwd, 'a.wasm')]);
    assert.equal(config.retentionMs, 5 * 60_000, 'keys absent from the file keep their defaults');
    assert.equal(config.settingsFile, join(cwd, 'config', 'settings.yaml'));
  });

  it('reads the file given by --settings FILE or --settings=FILE instead of the default one', () => {
    const cwd = workDir('rest_port: 1111\n');
    writeFileSync(join(cwd, 'custom.yaml'), 'rest_port: 2222\n');
    assert.equal(load({ cwd, argv: ['--settings', 'custom.yaml'] }).restPort, 2222);
    assert.equal(load({ cwd, argv: ['--settings=custom.yaml'] }).restPort, 2222);
    assert.equal(load({ cwd, argv: ['--settings=custom.yaml'] }).settingsFile, join(cwd, 'custom.yaml'));
  });

  it('treats an empty settings file as all defaults', () => {
    const cwd = workDir('# nothing set\n');
    assert.deepEqual(load({ cwd }), defaultsIn(cwd, join(cwd, 'config', 'settings.yaml')));
  });

  it('lets environment variables override the YAML file', () => {
    const config = load({
      yaml: 'max_memory: "2GB"\nretention: "1h"\nlog_level: warn\n',
      env: { MAX_MEMORY: '512MB', LOG_LEVEL: 'error' },
    });
    assert.equal(config.maxMemoryBytes, 512 * 1024 ** 2);
    assert.equal(config.logLevel, 'error');
    assert.equal(config.retentionMs, 3_600_000, 'the file still wins over the default');
  });

  it('reads only the documented environment variable names', () => {
    const cwd = workDir();
    const env = { max_memory: '12XB', MAX_MEMORY_LIMIT: 'x', PATH: '/usr/bin', PORT: '1' };
    assert.deepEqual(load({ cwd, env }), defaultsIn(cwd, null));
  });

  it('parses BROKER_PORTS and PLUGIN_PATHS as comma lists', () => {
    const cwd = workDir();
    const config = load({ cwd, env: { BROKER_PORTS: '9092, 9093,19092', PLUGIN_PATHS: '/p/a.wasm,b.wasm' } });
    assert.deepEqual(config.brokerPorts, [9092, 9093, 19092]);
    assert.deepEqual(config.pluginPaths, ['/p/a.wasm', join(cwd, 'b.wasm')]);
    assert.deepEqual(load({ env: { PLUGIN_PATHS: '' } }).pluginPaths, []);
  });

  it('reads the plugin limits and the reject mode in any case', () => {
    const config = load({ env: { PLUGIN_REJECT_MODE: 'Drop-Record', PLUGIN_TIMEOUT: '2s', PLUGIN_MAX_MEMORY: '128MB' } });
    assert.equal(config.pluginRejectMode, 'drop-record');
    assert.equal(config.pluginTimeoutMs, 2000);
    assert.equal(config.pluginMaxMemoryBytes, 128 * 1024 ** 2);
  });

  it('accepts booleans from env as true/false/yes/no/1/0 in any case', () => {
    const config = load({ env: { PURGE_ON_FETCH: 'YES', ENABLE_CONSUMER_GROUPS: '0', AUTO_CREATE_TOPICS: 'False' } });
    assert.equal(config.purgeOnFetch, true);
    assert.equal(config.enableConsumerGroups, false);
    assert.equal(config.autoCreateTopics, false);
  });

  it('reads the storage settings from env, storage mode and fsync policy in any case', () => {
    const config = load({ env: { STORAGE_MODE: 'Durable', FSYNC: 'ALWAYS', FSYNC_INTERVAL: '250ms', SEGMENT_BYTES: '64MB', SEGMENT_MS: '1h' } });
    assert.equal(config.storageMode, 'durable');
    assert.equal(config.fsyncPolicy, 'always');
    assert.equal(config.fsyncIntervalMs, 250);
    assert.equal(config.segmentBytes, 64 * 1024 ** 2);
    assert.equal(config.segmentMs, 3_600_000);
  });

  it('accepts LOG_LEVEL in upper case, as the seed README writes it', () => {
    assert.equal(load({ env: { LOG_LEVEL: 'DEBUG' } }).logLevel, 'debug');
    assert.equal(load({ env: { LOG_LEVEL: 'INFO' } }).logLevel, 'info');
  });
});

describe('loadSettings units', () => {
  const sizes: Array<[string, number]> = [
    ['512MB', 512 * 1024 ** 2],
    ['2GB', 2 * 1024 ** 3],
    ['1GiB', 1024 ** 3],
    ['1048576', 1_048_576],
    ['1.5GB', 1.5 * 1024 ** 3],
    ['64 kb', 64 * 1024],
    ['1TB', 1024 ** 4],
    ['100B', 100],
  ];
  for (const [text, bytes] of sizes) {
    it(`reads the size '${text}' as ${bytes} bytes`, () => {
      assert.equal(load({ env: { MAX_MEMORY: text } }).maxMemoryBytes, bytes);
      assert.equal(load({ yaml: `max_memory: "${text}"\n` }).maxMemoryBytes, bytes);
    });
  }

  it('reads a YAML number as bytes, and sizes with units for message_max_bytes too', () => {
    assert.equal(load({ yaml: 'max_memory: 1048576\n' }).maxMemoryBytes, 1_048_576);
    assert.equal(load({ env: { MESSAGE_MAX_BYTES: '16MB' } }).messageMaxBytes, 16 * 1024 ** 2);
  });

  it('rejects a message_max_bytes beyond what a Kafka INT32 size can carry', () => {
    const error = rejection({ env: { MESSAGE_MAX_BYTES: '2GB' } });
    assert.match(error.message, /message_max_bytes \(env MESSAGE_MAX_BYTES\): 2147483648 must be at most 2147483647 bytes/);
  });

  const durations: Array<[string, number]> = [
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['250', 250],
  ];
  for (const [text, ms] of durations) {
    it(`reads the duration '${text}' as ${ms}ms`, () => {
      assert.equal(load({ env: { RETENTION: text } }).retentionMs, ms);
    });
  }

  it('reads a YAML number as milliseconds', () => {
    assert.equal(load({ yaml: 'retention: 1500\n' }).retentionMs, 1500);
  });
});

describe('loadSettings rejections', () => {
  it('rejects an unknown YAML key and suggests the closest one', () => {
    const error = rejection({ yaml: 'max_memroy: "2GB"\n' });
    assert.match(error.message, /unknown key 'max_memroy' in config\/settings\.yaml \(did you mean 'max_memory'\?\)/);
  });

  it('rejects a bad size, naming the key and the env var', () => {
    const error = rejection({ env: { MAX_MEMORY: '12XB' } });
    assert.match(
      error.message,
      /max_memory \(env MAX_MEMORY\): '12XB' is not a size \(examples: 512MB, 2GB, 1GiB, 1048576\)/,
    );
  });

  it('rejects a bad duration, naming the key and the file', () => {
    const error = rejection({ yaml: 'retention: "5 minutes"\n' });
    assert.match(error.message, /retention \(config\/settings\.yaml\): '5 minutes' is not a duration/);
  });

  it('rejects a REST port that clashes with a broker port', () => {
    const error = rejection({ env: { REST_PORT: '9092' } });
    assert.match(error.message, /rest_port \(env REST_PORT\): 9092 clashes with broker_ports \(default\)/);
  });

  it('rejects a duplicate broker port', () => {
    const error = rejection({ yaml: 'broker_ports: [9092, 9092]\n' });
    assert.match(error.message, /broker_ports \(config\/settings\.yaml\): \[9092,9092\] must not list the same port twice/);
  });

  it('rejects non-numeric ports', () => {
    assert.match(rejection({ env: { REST_PORT: 'http' } }).message, /rest_port \(env REST_PORT\): 'http' is not a number/);
    assert.match(rejection({ env: { BROKER_PORTS: '9092,kafka' } }).message, /broker_ports \(env BROKER_PORTS\): 'kafka' is not a number/);
  });

  it('rejects ports outside 1..65535 and an empty broker port list', () => {
    assert.match(rejection({ env: { REST_PORT: '70000' } }).message, /rest_port \(env REST_PORT\): 70000 must be a port between 0 and 65535/);
    assert.match(rejection({ yaml: 'broker_ports: []\n' }).message, /broker_ports \(config\/settings\.yaml\): \[\] must list at least one port/);
  });

  it('rejects a --settings file that does not exist', () => {
    const error = rejection({ argv: ['--settings', 'missing.yaml'] });
    assert.match(error.message, /--settings: file 'missing\.yaml' does not exist/);
    assert.match(error.message, /^Invalid settings \(missing\.yaml \+ environment\):/);
  });

  it('takes the consumer-protocol group timing, and refuses a heartbeat interval not shorter than the session', () => {
    const config = load({ env: { GROUP_CONSUMER_SESSION_TIMEOUT: '6s', GROUP_CONSUMER_HEARTBEAT_INTERVAL: '500ms' } });
    assert.deepEqual([config.groupConsumerSessionTimeoutMs, config.groupConsumerHeartbeatIntervalMs], [6_000, 500]);
    assert.match(
      rejection({ env: { GROUP_CONSUMER_SESSION_TIMEOUT: '5s', GROUP_CONSUMER_HEARTBEAT_INTERVAL: '5s' } }).message,
      /group_consumer_heartbeat_interval \(env GROUP_CONSUMER_HEARTBEAT_INTERVAL\): 5000 must be shorter than group_consumer_session_timeout \(env GROUP_CONSUMER_SESSION_TIMEOUT\): 5000/,
    );
    assert.match(rejection({ env: { GROUP_CONSUMER_SESSION_TIMEOUT: '500ms' } }).message, /group_consumer_session_timeout \(env GROUP_CONSUMER_SESSION_TIMEOUT\): 500 must be at least 1s/);
  });

  it('rejects other values that cannot be converted', () => {
    assert.match(rejection({ env: { PURGE_ON_FETCH: 'maybe' } }).message, /purge_on_fetch \(env PURGE_ON_FETCH\): 'maybe' is not a boolean/);
    assert.match(rejection({ env: { LOG_LEVEL: 'verbose' } }).message, /log_level \(env LOG_LEVEL\): 'verbose' must be one of trace, debug, info, warn, error, fatal/);
    assert.match(rejection({ env: { KAFKA_CFG_NUM_PARTITIONS: '0' } }).message, /kafka_cfg_num_partitions \(env KAFKA_CFG_NUM_PARTITIONS\): 0 must be between 1 and 10000/);
    assert.match(rejection({ yaml: 'max_memory:\n' }).message, /max_memory \(config\/settings\.yaml\): has no value/);
    assert.match(rejection({ env: { STORAGE_MODE: 'disk' } }).message, /storage_mode \(env STORAGE_MODE\): 'disk' must be one of memory, durable/);
    assert.match(rejection({ env: { FSYNC: 'sometimes' } }).message, /fsync \(env FSYNC\): 'sometimes' must be one of always, interval, never/);
    assert.match(rejection({ env: { SEGMENT_BYTES: '1KB' } }).message, /segment_bytes \(env SEGMENT_BYTES\): 1024 must be at least 64KB/);
    assert.match(rejection({ env: { FSYNC_INTERVAL: '5m' } }).message, /fsync_interval \(env FSYNC_INTERVAL\): 300000 must be at most 60s/);
    assert.match(rejection({ env: { PLUGIN_REJECT_MODE: 'drop' } }).message, /plugin_reject_mode \(env PLUGIN_REJECT_MODE\): 'drop' must be one of reject-batch, drop-record/);
    assert.match(rejection({ env: { PLUGIN_TIMEOUT: '2m' } }).message, /plugin_timeout \(env PLUGIN_TIMEOUT\): 120000 must be at most 60s/);
    assert.match(rejection({ env: { PLUGIN_MAX_MEMORY: '1MB' } }).message, /plugin_max_memory \(env PLUGIN_MAX_MEMORY\): 1048576 must be at least 16MB/);
     const badToken = rejection({ env: { ADMIN_TOKEN: 'two words' } }).message;
    assert.match(badToken, /admin_token \(env ADMIN_TOKEN\): \[redacted\] must use only letters, digits/);
    assert.equal(badToken.includes('two words'), false, 'a rejected secret is not echoed');
  });

  it('rejects invalid YAML and unknown command-line arguments', () => {
    assert.match(rejection({ yaml: 'rest_port: [1\n' }).message, /config\/settings\.yaml is not valid YAML/);
    assert.match(rejection({ argv: ['--setings', 'x.yaml'] }).message, /unknown command-line argument '--setings'/);
  });

  it('reports every bad key in one SettingsError', () => {
    const error = rejection({
      yaml: 'max_memory: "12XB"\nfoo: 1\nbroker_ports: [9092, 9092]\n',
      env: { RETENTION: 'soon', REST_PORT: '-1' },
    });
    assert.equal(error.name, 'SettingsError');
    assert.equal(error.problems.length, 5, error.message);
    const lines = error.message.split('\n');
    assert.equal(lines[0], 'Invalid settings (config/settings.yaml + environment):');
    for (const expected of [
      "  - max_memory (config/settings.yaml): '12XB' is not a size",
      "  - retention (env RETENTION): 'soon' is not a duration",
      '  - broker_ports (config/settings.yaml): [9092,9092] must not list the same port twice',
      '  - rest_port (env REST_PORT): -1 must be a port between 0 and 65535',
      "  - unknown key 'foo' in config/settings.yaml",
    ]) {
      assert.ok(lines.some((line) => line.startsWith(expected)), `missing "${expected}" in:\n${error.message}`);
    }
  });
});

describe('loaded settings', () => {
  it('is frozen, arrays included', () => {
    const config = load();
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.brokerPorts));
    assert.ok(Object.isFrozen(config.pluginPaths));
    assert.throws(() => config.brokerPorts.push(1), TypeError);
  });

  it('is described with the seed names and human units', () => {
    const cwd = workDir();
    const described = describeSettings(load({ cwd, env: { RETENTION: '1500ms' } }));
    assert.deepEqual(described, {
      max_memory: '1GB',
      retention: '1500ms',
      broker_ports: [9092, 9094],
      rest_port: 30004,
      kafka_hostname: '0.0.0.0',
      advertised_hostname: 'localhost',
      record_storage_path: join(cwd, 'records'),
      purge_on_fetch: false,
      enable_consumer_groups: true,
      group_consumer_session_timeout: '45s',
      group_consumer_heartbeat_interval: '5s',
      plugin_paths: [],
      plugin_reject_mode: 'reject-batch',
      plugin_timeout: '100ms',
      plugin_max_memory: '64MB',
      kafka_cfg_num_partitions: 1,
      auto_create_topics: true,
      message_max_bytes: 1_048_588,
      log_level: 'info',
      storage_mode: 'memory',
      fsync: 'interval',
      fsync_interval: '1s',
      segment_bytes: '1GB',
      segment_ms: '7d',
      transaction_max_timeout_ms: '15m',
      transactional_id_expiration_ms: '7d',
      log_cleanup_policy: 'delete',
      log_cleaner_min_cleanable_ratio: 0.5,
      log_cleaner_backoff: '15s',
      metrics_max_entities: 100,
      queued_max_request_bytes: '256MB',
      max_connections: 10_000,
      max_connections_per_ip: 2_147_483_647,
      max_connections_per_ip_overrides: '',
      quota_window_num: 11,
      quota_window_size: '1s',
      telemetry_max_bytes: '1MB',
      client_metrics_max_series: 2000,
      request_timeout_ms: 30_000,
      connections_max_idle_ms: 600_000,
      admin_token: null,
      listeners: '',
      advertised_listeners: '',
      listener_security_protocol_map: '',
      ssl_cert_file: null,
      ssl_key_file: null,
      ssl_ca_file: null,
      ssl_client_auth: 'none',
      ssl_principal_mapping_rules: 'DEFAULT',
      sasl_enabled_mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'],
      sasl_users: null,
      sasl_users_dir: null,
      connections_max_reauth_ms: 0,
      connection_failed_authentication_delay_ms: 100,
      sasl_oauthbearer_jwks_endpoint_url: null,
      sasl_oauthbearer_expected_issuer: null,
      sasl_oauthbearer_expected_audience: [],
      sasl_oauthbearer_sub_claim_name: 'sub',
      sasl_oauthbearer_scope_claim_name: 'scope',
      sasl_oauthbearer_clock_skew_seconds: 30,
      sasl_oauthbearer_unsecured_validator_required_scope: [],
      delegation_token_secret_key: null,
      delegation_token_max_lifetime_ms: 604800000,
      delegation_token_expiry_time_ms: 86400000,
      delegation_token_expiry_check_interval_ms: 3600000,
      authorizer_enabled: false,
      super_users: [],
      allow_everyone_if_no_acl_found: false,
      admin_token_principal: 'User:admin',
      uplink_bootstrap_servers: [],
      uplink_topics: [],
      uplink_topic_prefix: '',
      uplink_client_id: 'blink-uplink',
      uplink_security_protocol: 'PLAINTEXT',
      uplink_sasl_mechanism: null,
      uplink_sasl_username: null,
      uplink_sasl_password: null,
      uplink_sasl_password_file: null,
      uplink_ssl_ca_file: null,
      uplink_ssl_certificate_file: null,
      uplink_ssl_key_file: null,
      uplink_ssl_verify_hostname: null,
      uplink_batch_max_bytes: '1MB',
      uplink_max_in_flight: 8,
      uplink_unmirrored: 'keep',
      uplink_group_sync_interval: '5s',
      settings_file: null,
    });
  });

  it('reads max_connections_per_ip_overrides as Kafka writes them (IPv6 addresses too) and refuses another shape', () => {
    const config = load({ env: { MAX_CONNECTIONS_PER_IP_OVERRIDES: '10.0.0.1:200, ::1:50' } });
    assert.deepEqual(config.maxConnectionsPerIpOverrides, { '10.0.0.1': 200, '::1': 50 });
    assert.equal(describeSettings(config).max_connections_per_ip_overrides, '10.0.0.1:200,::1:50');
    assert.match(rejection({ env: { MAX_CONNECTIONS_PER_IP_OVERRIDES: '10.0.0.1=200' } }).message, /max_connections_per_ip_overrides \(env MAX_CONNECTIONS_PER_IP_OVERRIDES\): .* must be address:count pairs/);
  });

  it('redacts admin_token when it is set, and never shows its value', () => {
    const config = load({ env: { ADMIN_TOKEN: 's3cr3t-Token_1' } });
    assert.equal(config.adminToken, 's3cr3t-Token_1');
    const described = describeSettings(config);
    assert.equal(described.admin_token, REDACTED);
    assert.equal(JSON.stringify(described).includes('s3cr3t'), false);
  });

  it('is provided by SettingsModule under BLINK_CONFIG and as ConfigService "blink"', async () => {
    const config = load();
    const app = await NestFactory.createApplicationContext(SettingsModule.forRoot(config), { logger: false });
    try {
      assert.equal(app.get(BLINK_CONFIG), config);
      const configService = app.get(ConfigService);
      assert.equal(configService.get('blink'), config);
      assert.equal(configService.get('PATH'), undefined, 'ConfigService must not read process.env');
    } finally {
      await app.close();
    }
  });
});

describe('listener and security settings', () => {
  it('parses listeners, advertised listeners and custom names from the protocol map', () => {
    const config = load({
      env: {
        LISTENERS: 'PLAINTEXT://0.0.0.0:19092,external://127.0.0.1:19093,SASL_SSL://:19094',
        ADVERTISED_LISTENERS: 'EXTERNAL://broker.example.com:29093',
        LISTENER_SECURITY_PROTOCOL_MAP: 'EXTERNAL:SASL_PLAINTEXT',
        SSL_CERT_FILE: 'cert.pem',
        SSL_KEY_FILE: 'key.pem',
        SASL_USERS: 'alice:s3cret, bob:pa:ss',
      },
    });
    assert.deepEqual(
      config.listeners.map((l) => [l.name, l.securityProtocol, l.host, l.port, l.advertisedHost, l.advertisedPort]),
      [
        ['PLAINTEXT', 'PLAINTEXT', '0.0.0.0', 19092, 'localhost', 19092],
        ['EXTERNAL', 'SASL_PLAINTEXT', '127.0.0.1', 19093, 'broker.example.com', 29093],
        ['SASL_SSL', 'SASL_SSL', '0.0.0.0', 19094, 'localhost', 19094],
      ],
    );
    assert.deepEqual(config.brokerPorts, [19092, 19093, 19094]);
    assert.deepEqual(config.sasl.users, [
      { name: 'alice', password: 's3cret' },
      { name: 'bob', password: 'pa:ss' },
    ]);
    assert.equal(JSON.stringify(describeSettings(config)).includes('s3cret'), false, 'passwords never described');
  });

  it('rejects bad listeners, unknown protocols, TLS without a certificate and a mechanism Blink lacks', () => {
    const message = rejection({
      env: {
        LISTENERS: 'PLAINTEXT://:9092,CUSTOM://:9093,SSL://:9092,nonsense',
        ADVERTISED_LISTENERS: 'OTHER://h:1',
        SASL_ENABLED_MECHANISMS: 'GSSAPI',
        SSL_PRINCIPAL_MAPPING_RULES: 'RULE:([/x/',
      },
    }).message;
    assert.match(message, /listeners: 'nonsense' is not NAME:\/\/host:port/);
    assert.match(message, /advertised_listeners: OTHER is not one of the listeners/);
    assert.match(message, /listeners: each listener needs a port of its own/);
    assert.match(message, /CUSTOM has no security protocol/);
    assert.match(message, /SSL use TLS, which needs ssl_cert_file and ssl_key_file/);
    assert.match(message, /ssl_principal_mapping_rules: '\(\[' is not a regular expression/);
    assert.match(message, /sasl_enabled_mechanisms \(env SASL_ENABLED_MECHANISMS\): \["GSSAPI"\] must list mechanisms among/);
  });

  it('reads the OAUTHBEARER and delegation token settings, and refuses a JWKS URL that is not a local file: URL', () => {
    const config = loadSettings({
      argv: [],
      env: { SASL_ENABLED_MECHANISMS: 'OAUTHBEARER', SASL_OAUTHBEARER_JWKS_ENDPOINT_URL: 'file:///etc/blink/jwks.json', SASL_OAUTHBEARER_EXPECTED_AUDIENCE: 'a,b', DELEGATION_TOKEN_SECRET_KEY: 'k', DELEGATION_TOKEN_EXPIRY_TIME_MS: '2h' },
      cwd: '/nonexistent-dir-for-tests',
    });
    assert.deepEqual([config.sasl.enabledMechanisms, config.sasl.oauthBearer.jwksFile, config.sasl.oauthBearer.expectedAudience], [['OAUTHBEARER'], '/etc/blink/jwks.json', ['a', 'b']]);
    assert.deepEqual([config.sasl.delegationTokens.secretKey, config.sasl.delegationTokens.expiryTimeMs], ['k', 7_200_000]);
    assert.equal(describeSettings(config)['delegation_token_secret_key'], REDACTED);
    const https = rejection({ env: { SASL_OAUTHBEARER_JWKS_ENDPOINT_URL: 'https://idp.example/jwks' } }).message;
    assert.match(https, /sasl_oauthbearer_jwks_endpoint_url.*must be a file: URL/);
    const remote = rejection({ env: { SASL_OAUTHBEARER_JWKS_ENDPOINT_URL: 'file://idp.example/jwks.json' } }).message;
    assert.match(remote, /sasl_oauthbearer_jwks_endpoint_url: .*host/i);
  });

  it('rejects a malformed SASL_USERS without showing it', () => {
    const message = rejection({ env: { SASL_USERS: 'nopassword' } }).message;
    assert.match(message, /sasl_users \(env SASL_USERS\): \[redacted\] must be a comma list of name:password/);
    assert.equal(message.includes('nopassword'), false);
  });
});

describe('uplink settings', () => {
  it('is off by default and turns on with bootstrap servers and topics from env, with its security and bounds', () => {
    const cwd = workDir();
    const config = load({
      cwd,
      env: {
        UPLINK_BOOTSTRAP_SERVERS: 'kafka-1:9092, kafka-2:9093',
        UPLINK_TOPICS: 'orders,events\\..*',
        UPLINK_TOPIC_PREFIX: 'blink.',
        UPLINK_SECURITY_PROTOCOL: 'sasl_ssl',
        UPLINK_SASL_MECHANISM: 'scram-sha-512',
        UPLINK_SASL_USERNAME: 'mirror',
        UPLINK_SASL_PASSWORD_FILE: 'secrets/password',
        UPLINK_SSL_CA_FILE: 'ca.pem',
        UPLINK_BATCH_MAX_BYTES: '256KB',
        UPLINK_MAX_IN_FLIGHT: '4',
        UPLINK_UNMIRRORED: 'DROP',
        UPLINK_GROUP_SYNC_INTERVAL: '1s',
      },
    });
    assert.equal(load().uplink.enabled, false);
    assert.deepEqual(config.uplink, {
      enabled: true,
      bootstrapServers: ['kafka-1:9092', 'kafka-2:9093'],
      topics: ['orders', 'events\\..*'],
      topicPrefix: 'blink.',
      clientId: 'blink-uplink',
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'mirror', password: null, passwordFile: join(cwd, 'secrets/password') },
      tls: { caFile: join(cwd, 'ca.pem'), certificateFile: null, keyFile: null, verifyHostname: true },
      batchMaxBytes: 256 * 1024,
      maxInFlight: 4,
      unmirrored: 'drop',
      groupSyncIntervalMs: 1_000,
    });
    assert.ok(Object.isFrozen(config.uplink) && Object.isFrozen(config.uplink.topics));
  });

  it('lists every uplink problem at once: bad servers, no topics, a bad pattern, missing SASL credentials, a certificate without its key', () => {
    const error = rejection({
      env: {
        UPLINK_BOOTSTRAP_SERVERS: 'kafka-1,kafka-2:99999',
        UPLINK_SECURITY_PROTOCOL: 'SASL_SSL',
        UPLINK_SSL_CERTIFICATE_FILE: 'client.pem',
      },
    });
    const text = error.problems.join('\n');
    assert.match(text, /uplink_bootstrap_servers: 'kafka-1' is not host:port/);
    assert.match(text, /uplink_bootstrap_servers: 'kafka-2:99999' is not host:port/);
    assert.match(text, /uplink_topics: list the topics to mirror/);
    assert.match(text, /uplink_sasl_username: needed with uplink_security_protocol SASL_SSL/);
    assert.match(text, /set exactly one of them/);
    assert.match(text, /a client certificate needs its key/);
    const pattern = rejection({ env: { UPLINK_BOOTSTRAP_SERVERS: 'k:9092', UPLINK_TOPICS: 'orders,(unclosed' } });
    assert.match(pattern.problems.join('\n'), /uplink_topics: '\(unclosed' is not a regular expression/);
  });

  it('refuses unknown protocols and out-of-range bounds, and redacts the SASL password', () => {
    const error = rejection({ env: { UPLINK_SECURITY_PROTOCOL: 'TLS', UPLINK_MAX_IN_FLIGHT: '0', UPLINK_BATCH_MAX_BYTES: '1KB', UPLINK_UNMIRRORED: 'maybe' } });
    const text = error.problems.join('\n');
    assert.match(text, /uplink_security_protocol .*must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL/);
    assert.match(text, /uplink_max_in_flight .*must be between 1 and 256/);
    assert.match(text, /uplink_batch_max_bytes .*must be at least 16KB/);
    assert.match(text, /uplink_unmirrored .*must be one of keep, drop/);
    const config = load({ env: { UPLINK_BOOTSTRAP_SERVERS: 'k:9092', UPLINK_TOPICS: '.*', UPLINK_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', UPLINK_SASL_USERNAME: 'u', UPLINK_SASL_PASSWORD: 'hunter2-secret' } });
    assert.equal(config.uplink.sasl?.password, 'hunter2-secret');
    const described = describeSettings(config);
    assert.equal(described.uplink_sasl_password, REDACTED);
    assert.equal(JSON.stringify(described).includes('hunter2'), false);
  });
});
