/**
 * Kafka's listener security protocols, shared by the listener settings (config) and the
 * transport. The principal of a connection lives on the connection itself
 * (kafka/transport/connection-context.ts) as a KafkaPrincipal (common/kafka-principal.ts).
 */

/** Kafka's four listener security protocols. */
export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';

export const SECURITY_PROTOCOLS: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
