/**
 * The server side of SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802 §5, RFC 7677; Kafka: KIP-84,
 * ScramSaslServer). Two steps:
 *   client-first  "n,,n=user,r=cnonce"  →  challenge  "r=cnonce+snonce,s=salt,i=iterations"
 *   client-final  "c=biws,r=…,p=proof"  →  done       "v=server signature"  (or failed "e=…")
 * Pure apart from hashing: the credential lookup, the server nonce and the secret come in.
 *
 * An unknown user is not refused at client-first (Kafka's ScramSaslServer is): the exchange goes
 * on with a fake salt and keys derived from the name and the server secret (RFC 5802 §5.1), so
 * the challenge has the shape of a real one and the same name always gets the same salt; it
 * fails at the proof like a wrong password ("e=invalid-proof"), and only the failure reason
 * (for the broker's log) says 'unknown-user'. A stored credential out of bounds is treated alike.
 */
import { timingSafeEqual } from 'node:crypto';
import { assert, type Random } from '../common/index.js';
import {
  scramIterationsMax, scramIterationsMin, scramMessageBytesMax, scramNonceBytes,
  scramSecretBytesMin,
} from './limits.js';
import { userPrincipal } from './principal.js';
import {
  fakeScramCredential, isUsableCredential, scramHash, scramHashBytes, scramHmac, xorBytes,
  type ScramCredential, type ScramMechanism,
} from './scram-credential.js';
import {
  decodeUtf8, formatServerFirst, isScramNonce, parseClientFinal, parseClientFirst,
  type ClientFirst,
} from './scram-messages.js';
import {
  saslFailed, type SaslFailure, type SaslServerMechanism, type SaslStep,
} from './sasl-types.js';

export interface ScramServerOptions {
  readonly mechanism: ScramMechanism;
  /** The user's credential for this mechanism, or undefined if there is none. */
  readonly lookup: (user: string) => ScramCredential | undefined;
  /** The server's part of the nonce: printable, no comma (`scramNonce(random)`). */
  readonly nonce: string;
  /**
   * Secret behind unknown users' fake salts (≥ scramSecretBytesMin bytes). Keep it stable and the
   * same on every broker (e.g. drawn once into the metadata log): a per-process secret gives an
   * unknown user a salt that changes across restarts and brokers, which a probe could notice.
   */
  readonly secret: Buffer;
  /** Iterations an unknown user seems to have: the ones real users are given (default 4096). */
  readonly fakeIterations?: number;
}

/** A nonce from the caller's Random: scramNonceBytes bytes in base64 (printable, no comma). */
export function scramNonce(random: Random): string {
  return random.bytes(scramNonceBytes).toString('base64');
}

interface AwaitingFinal {
  readonly phase: 'client-final';
  readonly first: ClientFirst;
  readonly serverFirst: string;
  /** client nonce + server nonce: the client-final must echo it exactly. */
  readonly nonce: string;
  readonly credential: ScramCredential;
  /** Set when the credential is fake: the exchange goes on but will fail with this reason. */
  readonly doomed: SaslFailure | undefined;
}
type State = { readonly phase: 'client-first' } | AwaitingFinal | { readonly phase: 'ended' };

/** RFC 5802 §7 server-error values for failures at client-final. */
const serverError: Partial<Record<SaslFailure, string>> = {
  'malformed': 'e=invalid-encoding',
  'too-long': 'e=other-error',
  'nonce-mismatch': 'e=other-error',
  'channel-binding': 'e=channel-bindings-dont-match',
  'bad-proof': 'e=invalid-proof',
  'unknown-user': 'e=invalid-proof',
  'invalid-credential': 'e=invalid-proof',
};

export class ScramServer implements SaslServerMechanism {
  readonly mechanism: ScramMechanism;
  private readonly options: ScramServerOptions;
  private readonly fakeIterations: number;
  private state: State = { phase: 'client-first' };
  claimedUser: string | null = null;

  constructor(options: ScramServerOptions) {
    assert(isScramNonce(options.nonce), 'a server nonce is printable without commas');
    assert(options.secret.length >= scramSecretBytesMin, 'a SCRAM secret has at least 16 bytes');
    this.fakeIterations = options.fakeIterations ?? scramIterationsMin;
    assert(this.fakeIterations >= scramIterationsMin && this.fakeIterations <= scramIterationsMax,
      'fake iterations within Kafka\'s bounds');
    this.mechanism = options.mechanism;
    this.options = options;
  }

  step(token: Buffer): SaslStep {
    const state = this.state;
    this.state = { phase: 'ended' }; // every path below ends the exchange or sets the next state
    if (state.phase === 'ended') return saslFailed('unexpected-message');
    const atFinal = state.phase === 'client-final';
    if (token.length > scramMessageBytesMax) return this.failed('too-long', atFinal);
    const text = decodeUtf8(token);
    if (text === undefined) return this.failed('malformed', atFinal);
    return atFinal ? this.clientFinal(state, text) : this.clientFirst(text);
  }

  private failed(error: SaslFailure, atFinal: boolean): SaslStep {
    return saslFailed(error, atFinal ? serverError[error] : undefined);
  }

  private clientFirst(text: string): SaslStep {
    const parsed = parseClientFirst(text);
    if (!parsed.ok) return saslFailed(parsed.error);
    const first = parsed.value;
    this.claimedUser = first.user;
    const found = this.options.lookup(first.user);
    let credential: ScramCredential;
    let doomed: SaslFailure | undefined;
    if (found !== undefined && isUsableCredential(this.mechanism, found)) {
      credential = found;
    } else {
      doomed = found === undefined ? 'unknown-user' : 'invalid-credential';
      credential = fakeScramCredential(this.mechanism, first.user, this.options.secret,
        this.fakeIterations);
    }
    const nonce = first.nonce + this.options.nonce;
    const serverFirst = formatServerFirst(nonce, credential.salt, credential.iterations);
    this.state = { phase: 'client-final', first, serverFirst, nonce, credential, doomed };
    return { kind: 'challenge', message: Buffer.from(serverFirst, 'utf8') };
  }

  private clientFinal(state: AwaitingFinal, text: string): SaslStep {
    const parsed = parseClientFinal(text);
    if (!parsed.ok) return this.failed(parsed.error, true);
    const final = parsed.value;
    const gs2 = Buffer.from(state.first.gs2Header, 'utf8').toString('base64');
    if (final.channelBinding !== gs2) return this.failed('channel-binding', true);
    // librdkafka (2.0.2 and later) writes its client nonce again in front of the combined one
    // (r=cnonce + cnonce+snonce); Kafka's ScramSaslServer accepts any nonce that ends with the
    // combined one, so we do too. The server's fresh part must still be there: no replay.
    if (!final.nonce.endsWith(state.nonce)) return this.failed('nonce-mismatch', true);
    if (final.proof.length !== scramHashBytes(this.mechanism)) {
      return this.failed('malformed', true);
    }
    const authMessage = `${state.first.bare},${state.serverFirst},${final.withoutProof}`;
    const { storedKey, serverKey } = state.credential;
    // ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); the proof holds iff H(ClientKey)
    // is the StoredKey (RFC 5802 §3). Compared in constant time, fake credentials too.
    const signature = scramHmac(this.mechanism, storedKey, authMessage);
    const clientKey = xorBytes(final.proof, signature);
    const proven = timingSafeEqual(scramHash(this.mechanism, clientKey), storedKey);
    if (state.doomed !== undefined) return this.failed(state.doomed, true);
    if (!proven) return this.failed('bad-proof', true);
    const verifier = scramHmac(this.mechanism, serverKey, authMessage).toString('base64');
    return {
      kind: 'done',
      message: Buffer.from(`v=${verifier}`, 'utf8'),
      principal: userPrincipal(state.first.user),
    };
  }
}
