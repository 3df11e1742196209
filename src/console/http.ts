/**
 * The console's HTTP rules, as pure functions of a request: which API route a path names, the
 * same-origin check on calls that change something (CSRF), the session cookie, the headers every
 * console answer carries, and how an error becomes a status and a message.
 */
import { isPadoError, PadoErrorCode } from '../common/index.js';
import { jsonAnswer, type HttpAnswer, type HttpRequest } from '../observability/index.js';

export const cookieName = 'pado_console';
/** Calls that change something must carry this header: a cross-site form or image cannot. */
export const csrfHeader = 'x-pado-console';

export type ApiRoute =
  | { readonly kind: 'session' }
  | { readonly kind: 'login' }
  | { readonly kind: 'logout' }
  | { readonly kind: 'overview' }
  | { readonly kind: 'topics' }
  | { readonly kind: 'topic'; readonly topic: string }
  | { readonly kind: 'groups' }
  | { readonly kind: 'group'; readonly group: string }
  | { readonly kind: 'group-reset'; readonly group: string }
  | { readonly kind: 'messages' };

/** Methods each route answers. */
export const routeMethods: Readonly<Record<ApiRoute['kind'], readonly string[]>> = {
  session: ['GET'], login: ['POST'], logout: ['POST'], overview: ['GET'],
  topics: ['GET', 'POST'], topic: ['GET', 'DELETE'], groups: ['GET'], group: ['GET'],
  'group-reset': ['POST'], messages: ['GET'],
};

const apiPrefix = '/console/api/';

/** The route of a path under /console/api/, or null (404). Names are percent-decoded once. */
export function apiRoute(path: string): ApiRoute | null {
  if (!path.startsWith(apiPrefix)) return null;
  const parts = path.slice(apiPrefix.length).split('/');
  const name = (i: number): string | null => {
    const raw = parts[i];
    if (raw === undefined || raw === '') return null;
    try {
      return decodeURIComponent(raw);
    } catch {
      return null;
    }
  };
  const [first] = parts;
  if (parts.length === 1) {
    switch (first) {
      case 'session': case 'login': case 'logout': case 'overview': case 'topics':
      case 'groups': case 'messages':
        return { kind: first };
      default:
        return null;
    }
  }
  const id = name(1);
  if (id === null) return null;
  if (first === 'topics' && parts.length === 2) return { kind: 'topic', topic: id };
  if (first === 'groups' && parts.length === 2) return { kind: 'group', group: id };
  if (first === 'groups' && parts.length === 3 && parts[2] === 'reset') {
    return { kind: 'group-reset', group: id };
  }
  return null;
}

/**
 * Null when a call may change something, else why not. Such a call must carry `x-pado-console`
 * (browsers send a custom header cross-origin only after a CORS preflight, which the console
 * never grants), and an Origin or Sec-Fetch-Site the browser adds must say same origin.
 */
export function crossSiteRefusal(req: HttpRequest): string | null {
  if (req.method === 'GET' || req.method === 'HEAD') return null;
  if (req.headers[csrfHeader] !== '1') return `a ${req.method} needs the header ${csrfHeader}: 1`;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `cross-site request refused (sec-fetch-site: ${site})`;
  }
  const origin = req.headers['origin'];
  const host = req.headers['host'];
  if (origin !== undefined && origin !== 'null' && (host === undefined ||
    (origin !== `http://${host}` && origin !== `https://${host}`))) {
    return `cross-origin request refused (origin ${origin} is not this console)`;
  }
  if (origin === 'null') return 'cross-origin request refused (origin null)';
  return null;
}

/** The session token from the Cookie header, if any. */
export function sessionToken(req: HttpRequest): string | undefined {
  const header = req.headers['cookie'];
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === cookieName) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string, maxAgeSeconds: number): string {
  return `${cookieName}=${token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}`;
}

export const clearedCookie = `${cookieName}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0`;

/** Headers on every console answer: no sniffing, no framing, no referrer to other sites. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export function apiAnswer(status: number, value: unknown,
  headers: Readonly<Record<string, string>> = {}): HttpAnswer {
  return { ...jsonAnswer(status, value), headers: { ...securityHeaders, ...headers } };
}

/** An API error: `{ error }` with the message, and the status its kind calls for. */
export function errorAnswer(e: unknown): HttpAnswer {
  const message = e instanceof Error ? e.message : String(e);
  return apiAnswer(errorStatus(e), { error: message });
}

export class ConsoleRequestError extends Error {
  override name = 'ConsoleRequestError';
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const authorizationRe = /AUTHORIZATION_FAILED|not authorized|authorization failed/i;

export function errorStatus(e: unknown): number {
  if (e instanceof ConsoleRequestError) return e.status;
  if (!isPadoError(e)) return 500;
  if (authorizationRe.test(e.message)) return 403;
  switch (e.code) {
    case PadoErrorCode.notFound: return 404;
    case PadoErrorCode.invalidArgument: return 400;
    case PadoErrorCode.timeout: return 504;
    case PadoErrorCode.connection: return 502;
    default: return 500;
  }
}

/** The JSON body of a POST, as an object; anything else is a 400. */
export function jsonBody(req: HttpRequest): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new ConsoleRequestError(400, 'the request body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConsoleRequestError(400, 'the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
