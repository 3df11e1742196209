/**
 * The shape every server-side SASL mechanism shares, so the broker's connection code can drive
 * any of them: one `step(token)` per SaslAuthenticate request (KIP-152), each answered by a
 * challenge, a final message with the authenticated principal, or a failure. A failure is a
 * value, never an exception: bad client input never throws.
 */
import type { KafkaPrincipal } from './principal.js';

export const saslMechanisms = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

/**
 * Why an exchange failed — for the broker's log, not for the client: 'unknown-user',
 * 'bad-proof', 'bad-password' and 'invalid-credential' must all look alike on the wire
 * (saslFailureText).
 */
export const SaslFailure = {
  /** Not the syntax RFC 5802 / RFC 4616 define, or not UTF-8. */
  malformed: 'malformed',
  /** Longer than the mechanism's bound; refused before it is decoded. */
  tooLong: 'too-long',
  /** No credential for the user (SCRAM fails only at the proof: see scram-server.ts). */
  unknownUser: 'unknown-user',
  /** The SCRAM client proof does not match the stored key: a wrong password. */
  badProof: 'bad-proof',
  /** PLAIN: the password does not match the stored key. */
  badPassword: 'bad-password',
  /** The client-final nonce is not the one the server sent. */
  nonceMismatch: 'nonce-mismatch',
  /** The client asked for channel binding ("p=", "y"), or c= does not echo the GS2 header. */
  channelBinding: 'channel-binding',
  /** The client asked for delegation-token authentication ("tokenauth=true"), not supported. */
  tokenAuth: 'token-auth',
  /** The authorization id names another user (we only act as oneself, as Kafka). */
  authzidMismatch: 'authzid-mismatch',
  /** A mandatory extension ("m=") we do not know (RFC 5802 §5.1 says fail). */
  extensionUnsupported: 'extension-unsupported',
  /** The stored credential is out of bounds (iterations, sizes): an operator must reset it. */
  invalidCredential: 'invalid-credential',
  /** A token after the exchange ended. */
  unexpectedMessage: 'unexpected-message',
} as const;
export type SaslFailure = (typeof SaslFailure)[keyof typeof SaslFailure];

export type SaslStep =
  | { readonly kind: 'challenge'; readonly message: Buffer }
  | { readonly kind: 'done'; readonly message: Buffer; readonly principal: KafkaPrincipal }
  /** `message`: what to send the client, when the mechanism has one (SCRAM's "e=..."). */
  | { readonly kind: 'failed'; readonly error: SaslFailure; readonly message?: Buffer };

export interface SaslServerMechanism {
  readonly mechanism: SaslMechanism;
  /** The next client token; after 'done' or 'failed' every step fails 'unexpected-message'. */
  step(token: Buffer): SaslStep;
  /**
   * The user the client named, once a message naming it parsed (for the broker's log line about
   * a refused login: who tried, never with what); null before.
   */
  readonly claimedUser: string | null;
}

/** A failed step, with a message only when there is one (exactOptionalPropertyTypes). */
export function saslFailed(error: SaslFailure, message?: string): SaslStep {
  return message === undefined ? { kind: 'failed', error } :
    { kind: 'failed', error, message: Buffer.from(message, 'utf8') };
}

/**
 * The SaslAuthenticate errorMessage for a failure. Unknown users, wrong passwords and broken
 * credentials read the same (Kafka: "Authentication failed during authentication due to invalid
 * credentials with SASL mechanism …"), so the message tells a probe nothing.
 */
export function saslFailureText(error: SaslFailure, mechanism: SaslMechanism): string {
  switch (error) {
    case 'unknown-user': case 'bad-proof': case 'bad-password': case 'invalid-credential':
      return `Authentication failed: invalid credentials with SASL mechanism ${mechanism}`;
    case 'channel-binding': return `${mechanism}: channel binding is not supported`;
    case 'token-auth': return `${mechanism}: delegation tokens are not supported`;
    case 'authzid-mismatch':
      return `${mechanism}: the authorization id must be empty or the user name`;
    case 'extension-unsupported': return `${mechanism}: unsupported mandatory extension`;
    case 'unexpected-message': return `${mechanism}: the exchange has already ended`;
    case 'too-long': return `${mechanism}: the message is too long`;
    case 'nonce-mismatch': return `${mechanism}: the nonce is not the one the server sent`;
    case 'malformed': return `${mechanism}: malformed message`;
  }
}
