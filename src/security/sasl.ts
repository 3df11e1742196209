/**
 * The factory the broker's connection code calls after SaslHandshake (or the v1 handshake of
 * KIP-152): one server mechanism per connection, driven by SaslAuthenticate tokens.
 */
import { assert, type Random } from '../common/index.js';
import { scramSecretBytesMin } from './limits.js';
import { PlainServer, type PlainVerifyCache, type ScramCredentialLookup } from './plain.js';
import { isScramMechanism } from './scram-credential.js';
import { ScramServer, scramNonce } from './scram-server.js';
import type { SaslServerMechanism } from './sasl-types.js';

export interface SaslServerDeps {
  /** The one user store: SCRAM credentials by user and mechanism (PLAIN uses them too). */
  readonly credentials: ScramCredentialLookup;
  /** The node's Random: SCRAM server nonces. */
  readonly random: Random;
  /** Stable, cluster-wide secret behind unknown users' fake credentials (ScramServerOptions). */
  readonly secret: Buffer;
  /** Shared by the broker's PLAIN logins; none means every PLAIN login runs PBKDF2. */
  readonly plainCache?: PlainVerifyCache;
  /** Iterations unknown users seem to have: those of real users (default 4096). */
  readonly fakeIterations?: number;
}

/** A fresh server mechanism for one exchange, or undefined if `name` is not one we serve. */
export function saslServer(name: string, deps: SaslServerDeps): SaslServerMechanism | undefined {
  assert(deps.secret.length >= scramSecretBytesMin, 'a SASL secret has at least 16 bytes');
  const fake = deps.fakeIterations === undefined ? {} : { fakeIterations: deps.fakeIterations };
  if (name === 'PLAIN') {
    const cache = deps.plainCache === undefined ? {} : { cache: deps.plainCache };
    return new PlainServer({ lookup: deps.credentials, secret: deps.secret, ...cache, ...fake });
  }
  if (!isScramMechanism(name)) return undefined;
  return new ScramServer({
    mechanism: name,
    lookup: (user) => deps.credentials(user, name),
    nonce: scramNonce(deps.random),
    secret: deps.secret,
    ...fake,
  });
}
