/** Public entry point of the settings: import from here, not from the files behind it. */
export { BLINK_CONFIG, LOG_LEVELS, describeSettings, type BlinkConfig, type LogLevel } from './blink-config.js';
export { loadSettings, SettingsError, type LoadSettingsInput } from './load-settings.js';
export { SettingsModule } from './settings.module.js';
export { DEFAULT_SETTINGS_PATH } from './settings-file.js';
