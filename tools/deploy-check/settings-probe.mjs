// Asks the broker's own settings loader about a settings file, exactly as `node dist/main.js
// --settings FILE` would read it at boot, and prints the answer as JSON on stdout:
//   {"ok":true,"config":{...},"keys":[...]}  or  {"ok":false,"error":"Invalid settings ..."}
// "keys" are the settings.yaml keys the broker knows.
// Usage: node settings-probe.mjs DIST_DIR SETTINGS_FILE_OR_- (environment: as given)
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [distDir, settingsFile] = process.argv.slice(2);
await import('reflect-metadata');
const { loadSettings } = await import(pathToFileURL(join(distDir, 'config/settings.js')).href);
const { SETTING_KEYS } = await import(pathToFileURL(join(distDir, 'config/setting-definitions.js')).href);
const argv = settingsFile && settingsFile !== '-' ? ['--settings', settingsFile] : [];
let answer;
try {
  answer = { ok: true, config: loadSettings({ argv, env: process.env, cwd: process.cwd() }), keys: SETTING_KEYS };
} catch (error) {
  answer = { ok: false, error: error instanceof Error ? error.message : String(error), keys: SETTING_KEYS };
}
process.stdout.write(JSON.stringify(answer));
