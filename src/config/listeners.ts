/**
 * Listeners and their security (issue 15), with Kafka's config names: `listeners`
 * (`NAME://host:port,…`), `advertised.listeners`, `listener.security.protocol.map`
 * (`NAME:PROTOCOL,…`), `inter.broker.listener.name`, `ssl.*` and `sasl.enabled.mechanisms`.
 *
 * A node without `listeners` has one PLAINTEXT listener at `listen` (Pado's simple form). With
 * them, `listen` and `advertised` become the inter-broker listener's: the address peers use for
 * Raft, replication, joins and `--initial-voters`.
 */
import type { HostPort } from './node-config.js';

export const securityProtocols = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof securityProtocols)[number];

/** Kafka's SecurityProtocol ids, as BrokerRegistration and Metadata carry them. */
export const securityProtocolIds: Readonly<Record<SecurityProtocol, number>> = {
  PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3,
};

export const saslMechanismNames = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] as const;
export type SaslMechanismName = (typeof saslMechanismNames)[number];

export interface ListenerConfig {
  /** Upper-case, like Kafka's listener names (CLIENT, BROKER, SASL_SSL…). */
  name: string;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  securityProtocol: SecurityProtocol;
  /** What clients of this listener are told to connect to; defaults to the bound address. */
  advertised?: HostPort;
}

export const sslClientAuths = ['none', 'requested', 'required'] as const;
export type SslClientAuth = (typeof sslClientAuths)[number];

/** The TLS identity of SSL and SASL_SSL listeners (Kafka's ssl.* broker keys). */
export interface SslConfig {
  /** A PEM file holding the private key and the certificate chain, or a PKCS12 file. */
  keystoreLocation: string;
  keystoreType: 'PEM' | 'PKCS12';
  /** Decrypts an encrypted private key (or the PKCS12 file). */
  keyPassword?: string;
  /** PEM file of the certificate authorities this node trusts for client certificates. */
  truststoreLocation?: string;
  clientAuth: SslClientAuth;
  /**
   * 'https' (Kafka's default): a node checks that a peer's certificate names the address it
   * connected to; '': only that it chains to the truststore (certificates without the peers'
   * addresses, e.g. when they come from DHCP).
   */
  endpointIdentificationAlgorithm: 'https' | '';
}

export const listenerNamePattern = '^[A-Z][A-Z0-9_]{0,31}$';
const listenerRe = /^\s*([A-Za-z][A-Za-z0-9_]*):\/\/(.*)$/;

export type ParseProblem = { field: string; text: string; expected: string };

/** `NAME://host:port,…` → entries in order; a problem names the part that is not one. */
export function parseListenerList(text: string, field: string):
  { ok: true; entries: { name: string; address: string }[] } | { ok: false; problem: ParseProblem } {
  const entries: { name: string; address: string }[] = [];
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const match = listenerRe.exec(part);
    if (match === null) {
      return { ok: false, problem: { field, text: part.trim(), expected: 'NAME://host:port' } };
    }
    entries.push({ name: (match[1] as string).toUpperCase(), address: (match[2] as string).trim() });
  }
  return { ok: true, entries };
}

/** `NAME:PROTOCOL,…` (listener.security.protocol.map). */
export function parseProtocolMap(text: string):
  { ok: true; map: Record<string, string> } | { ok: false; problem: ParseProblem } {
  const map: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const [name, protocol, extra] = part.split(':').map((s) => s.trim());
    if (name === undefined || protocol === undefined || extra !== undefined || name === '') {
      return { ok: false, problem: { field: 'listener.security.protocol.map', text: part.trim(),
        expected: 'NAME:PROTOCOL (e.g. CLIENT:SASL_SSL)' } };
    }
    map[name.toUpperCase()] = protocol.toUpperCase();
  }
  return { ok: true, map };
}

export function isSecurityProtocol(text: string): text is SecurityProtocol {
  return (securityProtocols as readonly string[]).includes(text);
}

export const usesTls = (p: SecurityProtocol): boolean => p === 'SSL' || p === 'SASL_SSL';
export const usesSasl = (p: SecurityProtocol): boolean =>
  p === 'SASL_PLAINTEXT' || p === 'SASL_SSL';

/** The listener other nodes reach this one on (inter.broker.listener.name, else the first). */
export function interBrokerListener(listeners: readonly ListenerConfig[],
  name: string | undefined): ListenerConfig | undefined {
  return name === undefined ? listeners[0] : listeners.find((l) => l.name === name);
}
