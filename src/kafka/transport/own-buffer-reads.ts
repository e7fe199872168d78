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
 * Node calls the read callback as a method of the socket and then, at once, asks (unbound) for
 * the next buffer: both are functions shared by every socket, the reader kept on the socket.
 *
 * When a Node version lays the socket out differently, `installOwnBufferReads` returns false
 * and the caller reads 'data' events instead: slower, never wrong. A TLS socket (later) only
 * has 'data' events: it decrypts into buffers of its own.
 */
import type { Socket } from 'node:net';

/** Who takes a socket's reads: `nread` bytes at the start of `target` (`shared`, or a buffer it returned before); returns where the next read goes. */
export interface OwnBufferReader {
  ownRead(nread: number, target: Buffer, shared: Buffer): Buffer;
}

interface ReadHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

/** Where a socket keeps its reader and the shared buffer (two fields, rather than two closures and their context per socket). */
const READER = Symbol('OwnBufferReader');
const SHARED = Symbol('OwnBufferShared');

/** The next read's target, from the read just taken: Node asks for it (unbound) right after the read callback, on the same turn. */
let nextTarget: Buffer | undefined;

/** Node calls this as a method of the socket (`stream[kBufferCb](nread, buffer)`): one function for every socket. */
function takeRead(this: Record<symbol, unknown>, nread: number, target: Buffer): boolean {
  nextTarget = (this[READER] as OwnBufferReader).ownRead(nread, target, this[SHARED] as Buffer);
  return true;
}

function takeNextTarget(): Buffer | undefined {
  const target = nextTarget;
  nextTarget = undefined;
  return target;
}

export function installOwnBufferReads(socket: Socket, first: Buffer, reader: OwnBufferReader): boolean {
  const symbols = new Map(Object.getOwnPropertySymbols(socket).map((symbol) => [symbol.description, symbol]));
  const kBuffer = symbols.get('kBuffer');
  const kBufferCb = symbols.get('kBufferCb');
  const kBufferGen = symbols.get('kBufferGen');
  const handle = (socket as unknown as { _handle?: Partial<ReadHandle> | null })._handle;
  if (kBuffer === undefined || kBufferCb === undefined || kBufferGen === undefined || typeof handle?.useUserBuffer !== 'function') return false;
  const fields = socket as unknown as Record<symbol, unknown>;
  if (fields[kBuffer] !== null) return false;
  fields[READER] = reader;
  fields[SHARED] = first;
  fields[kBuffer] = first;
  fields[kBufferCb] = takeRead;
  fields[kBufferGen] = takeNextTarget;
  handle.useUserBuffer(first);
  return true;
}
