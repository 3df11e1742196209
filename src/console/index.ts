/**
 * console/: the web console served under /console by the node's HTTP admin listener (issue 16
 * item 3). The node composes it (node/console.ts) and mounts `WebConsole.mount`.
 */
export { WebConsole, type ConsoleOptions, type ConsoleTarget } from './console.js';
export { assets, contentSecurityPolicy, importMapSha256, type AssetFile, type ReadAsset } from './assets.js';
export {
  apiRoute, crossSiteRefusal, csrfHeader, cookieName, sessionCookie, sessionToken, errorStatus,
  type ApiRoute,
} from './http.js';
export {
  parseBrowse, parseNewTopic, parseReset, parseTimestamp, resetOffset, showBytes, showRecord,
  type BrowseInput, type NewTopicInput, type ResetInput, type ShownBytes, type ShownRecord,
} from './inputs.js';
export { SessionStore, sessionLimitsDefault, type Session, type SessionLimits } from './sessions.js';
