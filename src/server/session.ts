/**
 * Who is on the other end of one connection, and the SASL exchange that decides it (KIP-43,
 * KIP-152, KIP-368). The connection consults `admits` before every request; the SaslHandshake
 * and SaslAuthenticate handlers drive the exchange; a client of SaslHandshake v0 (kafka-python
 * 2.0) then sends raw tokens, which the connection hands to `rawToken`.
 *
 * States: a SASL listener's connection starts in `handshake`: only ApiVersions and SaslHandshake
 * are served, anything else closes it (Kafka: "Unexpected Kafka request … during SASL
 * handshake"). After a v1 handshake only SaslAuthenticate is served; after v0, raw tokens. Once
 * the mechanism is done the connection is `authenticated` as the principal, until its session
 * ends (connections.max.reauth.ms): then it must re-authenticate (a new SaslHandshake and
 * SaslAuthenticate, as the same principal) or it is closed at its next request.
 * A PLAINTEXT listener's connection is authenticated from the start as User:ANONYMOUS; an SSL
 * one as its certificate's subject ("User:CN=…,O=…", Kafka's default principal builder) or
 * ANONYMOUS without one.
 */
import {
  anonymousPrincipal, formatPrincipal, samePrincipal, saslFailureText, userPrincipal,
  type KafkaPrincipal,
  type SaslMechanism, type SaslServerMechanism,
} from '../security/index.js';
import type { SecurityProtocol } from '../config/index.js';

/** What a listener's connections share: its name, protocol, and how to start a SASL exchange. */
export interface ListenerSecurity {
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  /** Enabled mechanisms, as SaslHandshake lists them. */
  readonly saslMechanisms: readonly SaslMechanism[];
  readonly newSaslServer: (mechanism: SaslMechanism) => SaslServerMechanism | undefined;
  /** connections.max.reauth.ms; 0: a session never ends. */
  readonly reauthMs: number;
  readonly now: () => number;
  /** A failed or refused authentication, for the broker's log (rate-limited there). */
  readonly onRefused: (refusal: AuthRefusal) => void;
}

export interface AuthRefusal {
  readonly listenerName: string;
  readonly remote: string;
  readonly mechanism: string | null;
  /** SaslFailure reason, or what the client did out of turn. */
  readonly reason: string;
  /** The user the client claimed, when the mechanism got that far (never a password). */
  readonly principal: string | null;
}

type State = 'handshake' | 'authenticate' | 'raw' | 'authenticated';

const apiVersionsKey = 18;
export const saslHandshakeKey = 17;
export const saslAuthenticateKey = 36;

export type Admission = 'serve' | 'refuse' | 'expired';

export interface HandshakeAnswer {
  readonly errorCode: 'none' | 'unsupportedSaslMechanism' | 'illegalSaslState';
  readonly mechanisms: readonly string[];
}

export interface AuthenticateAnswer {
  /** null: success (a challenge or the last message). */
  readonly error: string | null;
  readonly authBytes: Buffer;
  /** 0 when the session does not end. */
  readonly sessionLifetimeMs: number;
  /** The exchange failed: answer, then close the connection (Kafka does). */
  readonly close: boolean;
}

export class ConnectionSession {
  readonly security: ListenerSecurity;
  readonly remote: string;
  private state: State;
  private authenticatedAs: KafkaPrincipal | null;
  private sasl: SaslServerMechanism | null = null;
  private expiresAtMs = Infinity;
  /** Reauthentication happens while requests of the old session are still served. */
  private reauthenticating = false;
  /** A SaslAuthenticate exchange failed: its answer is the connection's last. */
  loginFailed = false;

  constructor(security: ListenerSecurity, remote: string, tlsPrincipal: KafkaPrincipal | null) {
    this.security = security;
    this.remote = remote;
    const sasl = security.securityProtocol === 'SASL_PLAINTEXT' ||
      security.securityProtocol === 'SASL_SSL';
    this.state = sasl ? 'handshake' : 'authenticated';
    this.authenticatedAs = sasl ? null : tlsPrincipal ?? anonymousPrincipal;
  }

  /** The authenticated principal; null until a SASL connection has authenticated. */
  get principal(): KafkaPrincipal | null {
    return this.authenticatedAs;
  }

  get rawTokens(): boolean {
    return this.state === 'raw';
  }

  /** May this request be served now? 'refuse' and 'expired' close the connection. */
  admits(apiKey: number): Admission {
    switch (this.state) {
      case 'handshake':
        return apiKey === apiVersionsKey || apiKey === saslHandshakeKey ? 'serve'
          : this.refused(`request ${apiKey} before SASL authentication`);
      case 'authenticate':
        return apiKey === saslAuthenticateKey ? 'serve'
          : this.refused(`request ${apiKey} during SASL authentication`);
      case 'raw':
        return this.refused(`request ${apiKey} where a SASL token was due`);
      case 'authenticated':
        if (apiKey === saslHandshakeKey || apiKey === saslAuthenticateKey) return 'serve';
        if (this.security.now() >= this.expiresAtMs) {
          this.refusedAs('session expired without re-authentication');
          return 'expired';
        }
        return 'serve';
    }
  }

  handshake(mechanism: string, version: number): HandshakeAnswer {
    const mechanisms = this.security.saslMechanisms;
    const reauth = this.state === 'authenticated' && this.authenticatedAs !== null &&
      version >= 1 && mechanisms.length > 0;
    if (this.state !== 'handshake' && !reauth) {
      return { errorCode: 'illegalSaslState', mechanisms };
    }
    const server = (mechanisms as readonly string[]).includes(mechanism)
      ? this.security.newSaslServer(mechanism as SaslMechanism) : undefined;
    if (server === undefined) {
      this.refusedAs(`unsupported mechanism ${mechanism.slice(0, 64)}`);
      return { errorCode: 'unsupportedSaslMechanism', mechanisms };
    }
    this.sasl = server;
    this.reauthenticating = reauth;
    if (!reauth) this.state = version === 0 ? 'raw' : 'authenticate';
    return { errorCode: 'none', mechanisms };
  }

  authenticate(token: Buffer): AuthenticateAnswer {
    const sasl = this.sasl;
    if (sasl === null || (this.state !== 'authenticate' && !this.reauthenticating)) {
      this.loginFailed = true;
      return { error: 'SaslAuthenticate out of turn: send SaslHandshake first',
        authBytes: Buffer.alloc(0), sessionLifetimeMs: 0, close: true };
    }
    const step = sasl.step(token);
    if (step.kind === 'challenge') {
      return { error: null, authBytes: step.message, sessionLifetimeMs: 0, close: false };
    }
    if (step.kind === 'failed') {
      this.failed(sasl.mechanism, step.error);
      this.loginFailed = true;
      return { error: saslFailureText(step.error, sasl.mechanism),
        authBytes: step.message ?? Buffer.alloc(0), sessionLifetimeMs: 0, close: true };
    }
    const before = this.authenticatedAs;
    if (this.reauthenticating && before !== null && !samePrincipal(before, step.principal)) {
      this.failed(sasl.mechanism, `re-authenticated as ${formatPrincipal(step.principal)}`);
      this.loginFailed = true;
      return { error: 'Re-authentication must use the principal the connection has',
        authBytes: Buffer.alloc(0), sessionLifetimeMs: 0, close: true };
    }
    this.succeeded(step.principal);
    const lifetime = this.security.reauthMs;
    return { error: null, authBytes: step.message, sessionLifetimeMs: lifetime, close: false };
  }

  /** Handshake v0 clients: a raw token in, a raw token out, or null: close the connection. */
  rawToken(token: Buffer): Buffer | null {
    const sasl = this.sasl;
    if (sasl === null) return null;
    const step = sasl.step(token);
    if (step.kind === 'failed') {
      this.failed(sasl.mechanism, step.error);
      return null;
    }
    if (step.kind === 'done') this.succeeded(step.principal);
    return step.message;
  }

  private succeeded(principal: KafkaPrincipal): void {
    this.authenticatedAs = principal;
    this.state = 'authenticated';
    this.sasl = null;
    this.reauthenticating = false;
    const lifetime = this.security.reauthMs;
    this.expiresAtMs = lifetime > 0 ? this.security.now() + lifetime : Infinity;
  }

  private failed(mechanism: string, reason: string): void {
    const claimed = this.sasl?.claimedUser ?? null;
    this.security.onRefused({ listenerName: this.security.listenerName, remote: this.remote,
      mechanism, reason, principal: claimed !== null ? formatPrincipal(userPrincipal(claimed))
        : this.authenticatedAs === null ? null : formatPrincipal(this.authenticatedAs) });
    this.sasl = null;
  }

  private refused(reason: string): Admission {
    this.refusedAs(reason);
    return 'refuse';
  }

  private refusedAs(reason: string): void {
    this.security.onRefused({ listenerName: this.security.listenerName, remote: this.remote,
      mechanism: null, reason, principal: this.authenticatedAs === null ? null
        : formatPrincipal(this.authenticatedAs) });
  }
}
