export {
  NodeMetrics, type ApiNames, type GroupLag, type NodeState, type PartitionState,
} from './metrics.js';
export {
  adminRoutes, isStream, jsonAnswer, textAnswer, type AdminRoutesOptions, type HttpAnswer, type HttpHandler,
  type HttpMount, type HttpRequest, type HttpResponse, type HttpStream,
} from './routes.js';
export { eventFeed, type EventFeedOptions, type FeedEvent } from './events.js';
