/**
 * Kafka's listener settings, parsed: `listeners` (`NAME://host:port,…`), `advertised_listeners`
 * (same form, by name) and `listener_security_protocol_map` (`NAME:PROTOCOL,…`, needed only for
 * names other than the four protocols). Without `listeners`, every port of `broker_ports` is a
 * PLAINTEXT listener bound to `kafka_hostname` and advertised as `advertised_hostname`, as
 * before listeners existed. Problems are returned as text, for the settings error.
 */
import { SECURITY_PROTOCOLS, type SecurityProtocol } from '../common/connection-context.js';

export interface ListenerConfig {
  /** Upper-case listener name (`PLAINTEXT`, `SASL_SSL`, or a custom name such as `EXTERNAL`). */
  readonly name: string;
  readonly securityProtocol: SecurityProtocol;
  /** The address to bind; `0.0.0.0` for every interface. */
  readonly host: string;
  readonly port: number;
  /** What Metadata and FindCoordinator tell clients that came in on this listener. */
  readonly advertisedHost: string;
  readonly advertisedPort: number;
}

export interface ListenerSettings {
  readonly listeners: string;
  readonly advertisedListeners: string;
  readonly protocolMap: string;
  readonly brokerPorts: readonly number[];
  readonly kafkaHostname: string;
  readonly advertisedHostname: string;
}

interface Endpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

const ENDPOINT = /^([A-Za-z0-9_-]+):\/\/(\[[^\]]*\]|[^:/]*):(\d+)$/;
const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::', '[::]']);

export function parseListeners(settings: ListenerSettings): { listeners: ListenerConfig[]; problems: string[] } {
  if (settings.listeners.trim() === '') return { listeners: legacyListeners(settings), problems: [] };
  const problems: string[] = [];
  const protocols = parseProtocolMap(settings.protocolMap, problems);
  const bound = parseEndpoints('listeners', settings.listeners, problems);
  const advertised = new Map(parseEndpoints('advertised_listeners', settings.advertisedListeners, problems).map((e) => [e.name, e]));
  for (const name of advertised.keys()) {
    if (!bound.some((e) => e.name === name)) problems.push(`advertised_listeners: ${name} is not one of the listeners`);
  }
  checkUnique(bound, problems);
  const listeners = bound.flatMap((endpoint) => {
    const securityProtocol = protocols.get(endpoint.name);
    if (securityProtocol === undefined) {
      problems.push(`listeners: ${endpoint.name} has no security protocol (add ${endpoint.name}:SASL_SSL or similar to listener_security_protocol_map)`);
      return [];
    }
    return [toListener(endpoint, securityProtocol, advertised.get(endpoint.name), settings.advertisedHostname)];
  });
  return { listeners, problems };
}

function legacyListeners(settings: ListenerSettings): ListenerConfig[] {
  return settings.brokerPorts.map((port) => ({
    name: 'PLAINTEXT',
    securityProtocol: 'PLAINTEXT',
    host: settings.kafkaHostname,
    port,
    advertisedHost: settings.advertisedHostname,
    advertisedPort: port,
  }));
}

function toListener(endpoint: Endpoint, securityProtocol: SecurityProtocol, advertised: Endpoint | undefined, fallbackHost: string): ListenerConfig {
  const host = WILDCARD_HOSTS.has(endpoint.host) ? '0.0.0.0' : endpoint.host;
  const advertisedHost = advertised !== undefined && !WILDCARD_HOSTS.has(advertised.host) ? advertised.host : host === '0.0.0.0' ? fallbackHost : host;
  return { name: endpoint.name, securityProtocol, host, port: endpoint.port, advertisedHost, advertisedPort: advertised?.port ?? endpoint.port };
}

/** The four protocols map to themselves; the setting adds (or overrides) names. */
function parseProtocolMap(text: string, problems: string[]): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>(SECURITY_PROTOCOLS.map((p) => [p, p]));
  for (const entry of splitList(text)) {
    const [name, protocol] = entry.split(':').map((part) => part.trim().toUpperCase());
    if (name && protocol && (SECURITY_PROTOCOLS as readonly string[]).includes(protocol)) map.set(name, protocol as SecurityProtocol);
    else problems.push(`listener_security_protocol_map: '${entry}' is not NAME:PROTOCOL with PROTOCOL one of ${SECURITY_PROTOCOLS.join(', ')}`);
  }
  return map;
}

function parseEndpoints(key: string, text: string, problems: string[]): Endpoint[] {
  return splitList(text).flatMap((entry) => {
    const match = ENDPOINT.exec(entry);
    const port = Number(match?.[3]);
    if (match === null || port < 1 || port > 65_535) {
      problems.push(`${key}: '${entry}' is not NAME://host:port with a port between 1 and 65535`);
      return [];
    }
    return [{ name: match[1]!.toUpperCase(), host: match[2]!.replace(/^\[|\]$/g, ''), port }];
  });
}

function checkUnique(endpoints: readonly Endpoint[], problems: string[]): void {
  const names = endpoints.map((e) => e.name);
  const ports = endpoints.map((e) => e.port);
  if (new Set(names).size !== names.length) problems.push('listeners: each listener name may appear only once');
  if (new Set(ports).size !== ports.length) problems.push('listeners: each listener needs a port of its own');
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
