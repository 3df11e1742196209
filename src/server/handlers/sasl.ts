/**
 * SaslHandshake (key 17), v0–v1, and SaslAuthenticate (key 36), v0–v2 (KIP-43, KIP-152, KIP-368).
 * Both act on the connection's session (server/session.ts), never on the broker.
 * - SaslHandshake names a mechanism; the answer lists the enabled ones, with
 *   UNSUPPORTED_SASL_MECHANISM for another, and ILLEGAL_SASL_STATE out of turn or on a listener
 *   without SASL. v0: the client then sends raw tokens (the connection reads them); v1: it sends
 *   SaslAuthenticate requests. On an authenticated connection a v1 handshake starts a
 *   re-authentication (KIP-368).
 * - SaslAuthenticate carries one token of the exchange; a failed exchange is answered with
 *   SASL_AUTHENTICATION_FAILED and a message that reads the same for an unknown user and a wrong
 *   password, and the connection is then closed.
 * Version notes: SaslAuthenticate v1+ sessionLifetimeMs (the client re-authenticates before it
 * ends); v2+ flexible.
 */
import {
  KafkaError,
  type SaslAuthenticateRequest, type SaslAuthenticateResponse, type SaslHandshakeRequest,
  type SaslHandshakeResponse,
} from '../../protocol/index.js';
import type { Handler } from '../handler.js';
import { saslAuthenticateKey, saslHandshakeKey } from '../session.js';

export function saslHandshakeHandler(): Handler<SaslHandshakeRequest, SaslHandshakeResponse> {
  return {
    apiKey: saslHandshakeKey,
    minVersion: 0,
    maxVersion: 1,
    handle(ctx, req) {
      const session = ctx.session;
      if (session === undefined || session.security.saslMechanisms.length === 0) {
        return { errorCode: KafkaError.illegalSaslState.code, mechanisms: [] };
      }
      const answer = session.handshake(req.mechanism, ctx.apiVersion);
      return { errorCode: KafkaError[answer.errorCode].code, mechanisms: [...answer.mechanisms] };
    },
  };
}

export function saslAuthenticateHandler():
  Handler<SaslAuthenticateRequest, SaslAuthenticateResponse> {
  return {
    apiKey: saslAuthenticateKey,
    minVersion: 0,
    maxVersion: 2,
    handle(ctx, req) {
      const session = ctx.session;
      if (session === undefined) {
        return { errorCode: KafkaError.illegalSaslState.code,
          errorMessage: 'this listener does not use SASL', authBytes: Buffer.alloc(0),
          sessionLifetimeMs: 0 };
      }
      // A failed exchange sets session.loginFailed: the connection closes after this answer.
      const answer = session.authenticate(req.authBytes);
      return {
        errorCode: answer.error === null ? 0 : KafkaError.saslAuthenticationFailed.code,
        errorMessage: answer.error,
        authBytes: answer.authBytes,
        sessionLifetimeMs: answer.sessionLifetimeMs,
      };
    },
  };
}
