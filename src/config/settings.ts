/** Public entry point of the settings: import from here, not from the files behind it. */
export {
  BLINK_CONFIG,
  FSYNC_POLICIES,
  LOG_LEVELS,
  PLUGIN_REJECT_MODES,
  REDACTED,
  SASL_MECHANISMS,
  SSL_CLIENT_AUTH_MODES,
  STORAGE_MODES,
  describeSettings,
  type BlinkConfig,
  type FsyncPolicy,
  type LogLevel,
  type PluginRejectMode,
  type DelegationTokenConfig,
  type OAuthBearerConfig,
  type SaslConfig,
  type SaslMechanism,
  type SaslUser,
  type SslClientAuth,
  type SslConfig,
  type StorageMode,
} from './blink-config.js';
export { loadSettings, SettingsError, type LoadSettingsInput } from './load-settings.js';
export type { ListenerConfig } from './listeners.js';
export { SettingsModule } from './settings.module.js';
export { DEFAULT_SETTINGS_PATH } from './settings-file.js';
export {
  UPLINK_SASL_MECHANISMS,
  UPLINK_SECURITY_PROTOCOLS,
  UPLINK_UNMIRRORED_POLICIES,
  type UplinkConfig,
  type UplinkSasl,
  type UplinkTls,
  type UplinkUnmirroredPolicy,
} from './uplink-settings.js';
