/**
 * Admission of new Kafka connections, with Kafka's limits and names: `max_connections`
 * across every listener, and `max_connections_per_ip` with `max_connections_per_ip_overrides`
 * ("address:count,address:count"). A connection over a limit is closed at once, before a
 * byte is read (Kafka answers max.connections.per.ip the same way), so one client cannot
 * take every connection slot and lock the others out. Counts live as long as connections:
 * `leave` once each admitted socket closes.
 */

export type GateRefusal = 'max_connections' | 'max_connections_per_ip';

export interface GateLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerIp: number;
  /** Per-address limits that replace maxConnectionsPerIp (addresses as clients connect from). */
  readonly maxConnectionsPerIpOverrides: Readonly<Record<string, number>>;
}

/** An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d; overrides name it a.b.c.d. */
const IPV4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

export function clientAddress(remoteAddress: string | undefined): string {
  const address = remoteAddress ?? '';
  return IPV4_MAPPED.exec(address)?.[1] ?? address;
}

export class ConnectionGate {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: GateLimits) {}

  /** Counts the connection in and returns null, or names the limit it would break (nothing counted). */
  admit(address: string): GateRefusal | null {
    if (this.total >= this.limits.maxConnections) return 'max_connections';
    const open = this.byAddress.get(address) ?? 0;
    if (open >= this.limitFor(address)) return 'max_connections_per_ip';
    this.total++;
    this.byAddress.set(address, open + 1);
    return null;
  }

  /** An admitted connection from `address` closed. */
  leave(address: string): void {
    this.total--;
    const open = (this.byAddress.get(address) ?? 1) - 1;
    if (open === 0) this.byAddress.delete(address);
    else this.byAddress.set(address, open);
  }

  limitFor(address: string): number {
    return this.limits.maxConnectionsPerIpOverrides[address] ?? this.limits.maxConnectionsPerIp;
  }
}
