// Helpers shared by the bench scripts (Node built-ins only).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Free loopback TCP ports (held open together so they are distinct). */
export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      await new Promise((res, rej) => {
        srv.once('error', rej);
        srv.listen(0, '127.0.0.1', res);
      });
      servers.push(srv);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  }
}

/**
 * How `npm start` starts the broker in the checkout `dir`: the project's Node 24 (else this
 * process's node) and the arguments of package.json's start script (flags, then the entry),
 * so every bench measures the artifact deployments run. Throws when the entry is not built.
 */
export function blinkStartCommand(dir) {
  const localNode = path.join(dir, 'node_modules', '.bin', 'node');
  const nodeBin = fs.existsSync(localNode) ? localNode : process.execPath;
  const start = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts?.start ?? 'node dist/main.js';
  const [node, ...args] = start.trim().split(/\s+/);
  if (node !== 'node') throw new Error(`${dir}: the start script does not run node directly: ${start}`);
  const entry = args.find((arg) => !arg.startsWith('-'));
  if (entry === undefined || !fs.existsSync(path.join(dir, entry))) throw new Error(`${path.join(dir, entry ?? 'dist')} not found: build it first (\`npm run build\`)`);
  return { nodeBin, args };
}
