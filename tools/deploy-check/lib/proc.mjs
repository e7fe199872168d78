/**
 * Child processes with hard time limits. Every process the checker starts is tracked, so
 * that a failure or the global deadline never leaves one running.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const running = new Set();

/** Runs a command to completion; resolves { code, stdout, stderr } (never rejects on exit code). */
export function run(command, args, { cwd, env, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')}: no result within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      running.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Like `run`, but a non-zero exit is an error carrying the command's output. */
export async function runOk(command, args, options) {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}\n${(result.stderr || result.stdout).trim()}`);
  }
  return result;
}

/** A long-running process (the broker); its output is kept for error messages. */
export function start(command, args, { cwd, env, uid, gid } = {}) {
  const child = spawn(command, args, { cwd, env, uid, gid, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const output = [];
  const keep = (chunk) => {
    output.push(String(chunk));
    if (output.length > 200) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    child.on('error', (error) => {
      running.delete(child);
      resolve({ code: null, signal: null, error });
    });
  });
  return { child, exited, output: () => output.join('') };
}

const cleanups = new Set();

/** Registers `cleanup` (e.g. removing a temporary directory) for `killAll`; returns an unregister function. */
export function atExit(cleanup) {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** Kills whatever is still running and runs the registered cleanups (on the way out). */
export function killAll() {
  for (const child of running) child.kill('SIGKILL');
  for (const cleanup of cleanups) cleanup();
  cleanups.clear();
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** `unref`: a timer that does not keep the process alive (for races that may be won early). */
export function sleep(ms, { unref = false } = {}) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (unref) timer.unref();
  });
}
