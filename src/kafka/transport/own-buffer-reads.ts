/**
 * Reads an accepted TCP socket straight into buffers the connection picks, instead of Node
 * allocating a fresh buffer for every read (which only the garbage collector gives back:
 * receiving 200 MB through a plain Node socket leaves some 70 MiB of such buffers waiting for
 * it). Node offers this as the `onread` option of `net.Socket`, but not for the sockets a
 * `net.Server` accepts, so this installs the same three fields `onread` sets (found by their
 * symbol descriptions) and points the handle at the first buffer, exactly as Node's
 * initSocketHandle does for `onread`. The socket must not be reading yet (the server uses
 * `pauseOnConnect`); `resume()` then starts the reads.
 *
 * When a Node version lays the socket out differently, `installOwnBufferReads` returns false
 * and the caller reads 'data' events instead: slower, never wrong. A TLS socket (later) only
 * has 'data' events: it decrypts into buffers of its own.
 */
import type { Socket } from 'node:net';

/** Called with each read: `nread` bytes at the start of `target`; returns where the next read goes. */
export type OwnBufferRead = (nread: number, target: Buffer) => Buffer;

interface ReadHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

export function installOwnBufferReads(socket: Socket, first: Buffer, onRead: OwnBufferRead): boolean {
  const symbols = new Map(Object.getOwnPropertySymbols(socket).map((symbol) => [symbol.description, symbol]));
  const kBuffer = symbols.get('kBuffer');
  const kBufferCb = symbols.get('kBufferCb');
  const kBufferGen = symbols.get('kBufferGen');
  const handle = (socket as unknown as { _handle?: Partial<ReadHandle> | null })._handle;
  if (kBuffer === undefined || kBufferCb === undefined || kBufferGen === undefined || typeof handle?.useUserBuffer !== 'function') return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[kBuffer] !== null) return false;
  let next = first;
  fields[kBuffer] = first;
  fields[kBufferCb] = (nread: number, target: Buffer): boolean => {
    next = onRead(nread, target);
    return true;
  };
  fields[kBufferGen] = () => next;
  handle.useUserBuffer(first);
  return true;
}
