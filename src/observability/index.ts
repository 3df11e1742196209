export {
  NodeMetrics, type ApiNames, type NodeState, type PartitionState,
} from './metrics.js';
export { adminRoutes, type AdminRoutesOptions, type HttpRequest, type HttpResponse } from './routes.js';
