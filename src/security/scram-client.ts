/**
 * The client side of SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802 §5), for Pado's own client and CLI:
 *   firstMessage()         "n,,n=user,r=cnonce"
 *   serverFirst(challenge) checks the nonce and iterations → "c=biws,r=…,p=proof"
 *   serverFinal(message)   checks the server signature: the server knew the credential too.
 * Server messages are untrusted: every failure is a value. The iteration count is bounded above
 * as well as below, so a hostile server cannot make us spend minutes in PBKDF2.
 */
import { timingSafeEqual } from 'node:crypto';
import { assert, PadoError, PadoErrorCode } from '../common/index.js';
import {
  passwordBytesMax, saslNameBytesMax, scramClientNonceCharsMax, scramIterationsMax,
  scramIterationsMin, scramMessageBytesMax,
} from './limits.js';
import {
  normalizePassword, saltPassword, scramHash, scramHmac, xorBytes, type ScramMechanism,
} from './scram-credential.js';
import {
  decodeUtf8, formatClientFinalWithoutProof, formatClientFirstBare, isScramNonce,
  parseServerFinal, parseServerFirst,
} from './scram-messages.js';

export const ScramClientFailure = {
  malformed: 'malformed',
  tooLong: 'too-long',
  /** The server's nonce does not extend ours. */
  nonceMismatch: 'nonce-mismatch',
  /** The server asks for fewer than 4096 or more than 16384 iterations. */
  iterationsOutOfRange: 'iterations-out-of-range',
  /** A mandatory extension ("m=") we do not know. */
  extensionUnsupported: 'extension-unsupported',
  /** The server answered "e=…" (detail): usually a wrong user name or password. */
  serverError: 'server-error',
  /** The server's signature is wrong: it does not hold this user's credential. */
  badServerSignature: 'bad-server-signature',
} as const;
export type ScramClientFailure = (typeof ScramClientFailure)[keyof typeof ScramClientFailure];

export type ScramClientResult =
  | { readonly ok: true; readonly message: Buffer }
  | { readonly ok: false; readonly error: ScramClientFailure; readonly detail?: string };

export interface ScramClientOptions {
  readonly mechanism: ScramMechanism;
  readonly user: string;
  readonly password: string;
  /** Our part of the nonce: printable, no comma (`scramNonce(random)`). */
  readonly nonce: string;
}

const gs2Header = 'n,,';

type Phase =
  | { readonly phase: 'start' }
  | { readonly phase: 'server-first' }
  | { readonly phase: 'server-final'; readonly serverSignature: Buffer }
  | { readonly phase: 'ended' };

function failed(error: ScramClientFailure, detail?: string): ScramClientResult {
  return detail === undefined ? { ok: false, error } : { ok: false, error, detail };
}

export class ScramClient {
  readonly mechanism: ScramMechanism;
  private readonly password: Buffer;
  private readonly nonce: string;
  private readonly bare: string;
  private state: Phase = { phase: 'start' };

  /** Throws PadoError (PADO_INVALID_ARGUMENT) for an empty or too long user name or password. */
  constructor(options: ScramClientOptions) {
    const userBytes = Buffer.byteLength(options.user, 'utf8');
    if (userBytes === 0 || userBytes > saslNameBytesMax || options.user.includes('\0')) {
      throw new PadoError(PadoErrorCode.invalidArgument,
        `SASL user name of ${userBytes} bytes: give 1–${saslNameBytesMax} bytes, no NUL`);
    }
    this.password = normalizePassword(options.password);
    if (this.password.length === 0 || this.password.length > passwordBytesMax) {
      throw new PadoError(PadoErrorCode.invalidArgument,
        `SASL password of ${this.password.length} bytes: give 1–${passwordBytesMax} bytes`);
    }
    assert(isScramNonce(options.nonce) && options.nonce.length <= scramClientNonceCharsMax,
      'a client nonce is printable without commas');
    this.mechanism = options.mechanism;
    this.nonce = options.nonce;
    this.bare = formatClientFirstBare(options.user, options.nonce);
  }

  /** client-first-message. */
  firstMessage(): Buffer {
    assert(this.state.phase === 'start', 'SCRAM client-first is sent once, first');
    this.state = { phase: 'server-first' };
    return Buffer.from(gs2Header + this.bare, 'utf8');
  }

  /** The server's challenge in, our client-final-message (with the proof) out. */
  serverFirst(message: Buffer): ScramClientResult {
    assert(this.state.phase === 'server-first', 'SCRAM server-first comes after client-first');
    this.state = { phase: 'ended' };
    if (message.length > scramMessageBytesMax) return failed('too-long');
    const text = decodeUtf8(message);
    if (text === undefined) return failed('malformed');
    const parsed = parseServerFirst(text);
    if (!parsed.ok) {
      return failed(parsed.error === 'extension-unsupported' ? parsed.error : 'malformed');
    }
    const { nonce, salt, iterations } = parsed.value;
    if (!nonce.startsWith(this.nonce) || nonce.length === this.nonce.length) {
      return failed('nonce-mismatch');
    }
    if (iterations < scramIterationsMin || iterations > scramIterationsMax) {
      return failed('iterations-out-of-range', String(iterations));
    }
    const m = this.mechanism;
    const salted = saltPassword(m, this.password, salt, iterations);
    const clientKey = scramHmac(m, salted, 'Client Key');
    const withoutProof = formatClientFinalWithoutProof(gs2Header, nonce);
    const authMessage = `${this.bare},${text},${withoutProof}`;
    const proof = xorBytes(clientKey, scramHmac(m, scramHash(m, clientKey), authMessage));
    const serverSignature = scramHmac(m, scramHmac(m, salted, 'Server Key'), authMessage);
    this.state = { phase: 'server-final', serverSignature };
    return { ok: true, message: Buffer.from(`${withoutProof},p=${proof.toString('base64')}`) };
  }

  /** The server-final-message: ok (an empty message) when the server proved it knows us. */
  serverFinal(message: Buffer): ScramClientResult {
    const state = this.state;
    assert(state.phase === 'server-final', 'SCRAM server-final comes after client-final');
    this.state = { phase: 'ended' };
    if (message.length > scramMessageBytesMax) return failed('too-long');
    const text = decodeUtf8(message);
    const parsed = text === undefined ? undefined : parseServerFinal(text);
    if (parsed === undefined || !parsed.ok) return failed('malformed');
    if (parsed.value.kind === 'error') return failed('server-error', parsed.value.error);
    const signature = parsed.value.signature;
    if (signature.length !== state.serverSignature.length ||
      !timingSafeEqual(signature, state.serverSignature)) {
      return failed('bad-server-signature');
    }
    return { ok: true, message: Buffer.alloc(0) };
  }
}
