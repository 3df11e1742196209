/**
 * Logged-in console sessions (security on): a random token (32 bytes from the node's Random,
 * base64url) names each one; the browser holds it in an HttpOnly, SameSite=Strict cookie. A
 * session ends `consoleSessionIdleMsMax` after its last request, `consoleSessionMsMax` after its
 * login, at logout, or when a login finds `consoleSessionsMax` sessions open (the least recently
 * used one ends). Pure but for the Random: time is passed in, so tests drive it.
 */
import { limits, type Random } from '../common/index.js';

export interface Session<T> {
  readonly token: string;
  readonly user: string;
  readonly createdMs: number;
  lastUsedMs: number;
  /** What the console keeps for the user (their broker connections and credentials). */
  readonly state: T;
}

export interface SessionLimits {
  readonly sessionsMax: number;
  readonly idleMsMax: number;
  readonly sessionMsMax: number;
}

export const sessionLimitsDefault: SessionLimits = {
  sessionsMax: limits.consoleSessionsMax,
  idleMsMax: limits.consoleSessionIdleMsMax,
  sessionMsMax: limits.consoleSessionMsMax,
};

const tokenBytes = 32;
const tokenRe = /^[A-Za-z0-9_-]{43}$/;

export class SessionStore<T> {
  /** Insertion order = least recently used first (a used session is moved to the end). */
  private readonly sessions = new Map<string, Session<T>>();
  private readonly random: Random;
  private readonly limits: SessionLimits;
  /** Called for each session that ends (to close its connections). */
  private readonly ended: (session: Session<T>) => void;

  constructor(random: Random, ended: (session: Session<T>) => void,
    sessionLimits: SessionLimits = sessionLimitsDefault) {
    this.random = random;
    this.ended = ended;
    this.limits = sessionLimits;
  }

  get size(): number {
    return this.sessions.size;
  }

  create(user: string, state: T, nowMs: number): Session<T> {
    this.sweep(nowMs);
    while (this.sessions.size >= this.limits.sessionsMax) {
      const oldest = this.sessions.values().next().value as Session<T>;
      this.end(oldest.token);
    }
    const token = this.random.bytes(tokenBytes).toString('base64url');
    const session: Session<T> = { token, user, createdMs: nowMs, lastUsedMs: nowMs, state };
    this.sessions.set(token, session);
    return session;
  }

  /** The live session of `token` (its idle time restarts), or undefined. */
  use(token: string | undefined, nowMs: number): Session<T> | undefined {
    if (token === undefined || !tokenRe.test(token)) return undefined;
    const session = this.sessions.get(token);
    if (session === undefined) return undefined;
    if (this.expired(session, nowMs)) {
      this.end(token);
      return undefined;
    }
    session.lastUsedMs = nowMs;
    this.sessions.delete(token);
    this.sessions.set(token, session);
    return session;
  }

  end(token: string): void {
    const session = this.sessions.get(token);
    if (session === undefined) return;
    this.sessions.delete(token);
    this.ended(session);
  }

  /** Ends every expired session. */
  sweep(nowMs: number): void {
    for (const session of [...this.sessions.values()]) {
      if (this.expired(session, nowMs)) this.end(session.token);
    }
  }

  endAll(): void {
    for (const token of [...this.sessions.keys()]) this.end(token);
  }

  /** Seconds the cookie of a new session may live (its absolute lifetime). */
  get cookieMaxAgeSeconds(): number {
    return Math.floor(this.limits.sessionMsMax / 1000);
  }

  private expired(session: Session<T>, nowMs: number): boolean {
    return nowMs - session.lastUsedMs > this.limits.idleMsMax ||
      nowMs - session.createdMs > this.limits.sessionMsMax;
  }
}
