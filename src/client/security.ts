/**
 * A client's security (issue 15): TLS for the connection and a SASL login on it, done once when
 * the connection opens (SaslHandshake v1, then SaslAuthenticate v1 rounds, KIP-152), before any
 * request of the caller. PLAIN sends the password (inside TLS, one hopes); SCRAM proves it
 * without sending it and checks that the broker holds the user's credential (its signature). A
 * failed login is a PadoError that says what the broker said and what to check.
 */
import {
  PadoError, PadoErrorCode, type Random, type TlsClientOptions,
} from '../common/index.js';
import {
  ApiKey, type SaslAuthenticateResponse, type SaslHandshakeResponse,
} from '../protocol/index.js';
import {
  ScramClient, isScramMechanism, plainClientMessage, scramNonce, type SaslMechanism,
} from '../security/index.js';

export interface SaslCredentials {
  readonly mechanism: SaslMechanism;
  readonly username: string;
  readonly password: string;
}

export interface ClientSecurity {
  readonly tls?: TlsClientOptions;
  readonly sasl?: SaslCredentials;
}

/** What a login needs from its connection: one request at a time. */
export type SaslSend = (apiKey: number, version: number, msg: unknown) => Promise<unknown>;

const authenticateVersion = 1;

/**
 * Logs in on a fresh connection. Answers the session's lifetime in ms (0: it does not end), after
 * which the broker closes the connection unless the login is repeated (KIP-368).
 */
export async function saslLogin(send: SaslSend, sasl: SaslCredentials, random: Random,
  address: string): Promise<number> {
  const handshake = await send(ApiKey.saslHandshake, 1, { mechanism: sasl.mechanism }) as
    SaslHandshakeResponse;
  if (handshake.errorCode !== 0) {
    throw loginError(address, `the broker does not offer SASL ${sasl.mechanism} on this ` +
      `listener (it offers: ${handshake.mechanisms.join(', ') || 'none'}); use one of those, or ` +
      'the listener of SASL clients');
  }
  const round = async (token: Buffer): Promise<SaslAuthenticateResponse> => {
    const r = await send(ApiKey.saslAuthenticate, authenticateVersion, { authBytes: token }) as
      SaslAuthenticateResponse;
    if (r.errorCode !== 0) {
      throw loginError(address, `${r.errorMessage ?? 'authentication failed'}; check the user ` +
        `name and password given for ${sasl.username}`);
    }
    return r;
  };
  if (!isScramMechanism(sasl.mechanism)) {
    return (await round(plainClientMessage(sasl.username, sasl.password))).sessionLifetimeMs;
  }
  const client = new ScramClient({ mechanism: sasl.mechanism, user: sasl.username,
    password: sasl.password, nonce: scramNonce(random) });
  const first = await round(client.firstMessage());
  const final = client.serverFirst(first.authBytes);
  if (!final.ok) throw loginError(address, `SCRAM: ${final.error} in the server's challenge`);
  const last = await round(final.message);
  const verified = client.serverFinal(last.authBytes);
  if (!verified.ok) {
    throw loginError(address, `SCRAM: the broker's proof failed (${verified.error}): it may ` +
      'not be the broker you meant to reach');
  }
  return last.sessionLifetimeMs;
}

function loginError(address: string, why: string): PadoError {
  return new PadoError(PadoErrorCode.connection, `SASL login to ${address} failed: ${why}`);
}
