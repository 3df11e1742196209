export * from './broker.js';
export * from './handler.js';
export { KafkaListener, listenError, type ListenerOptions } from './server.js';
export { brokerHandlers } from './handlers/index.js';
export { withForwarding, forwardedApiKeys } from './forwarding.js';
export {
  gateClientRequests, isPeerRequest, leaseWaitMs, peerApiKeys, ReadyGate, type LeaseView,
} from './ready-gate.js';
export { groupHandlers } from './handlers/groups.js';
export type * from './group-service.js';
export { FrameSplitter } from './frames.js';
export type * from './raft-service.js';
export { raftMessageHandler } from './handlers/raft-message.js';
export { raftKvHandler, RaftKvOp } from './handlers/raft-kv.js';
export {
  isPeerNumber, raftMessagesFromWire, raftMessagesToWire, type DecodedRaftBatch,
} from './raft-wire.js';
export { peerWarnBurst, peerWarnIntervalMs, WarnLimiter } from './warn-limiter.js';
export { controllerHandlers, lifecycleHandlers } from './controller-service.js';
export type * from './controller-service.js';
export type * from './membership-service.js';
export { membershipHandlers } from './handlers/connect-check.js';
export {
  describeLogDirsHandler, type LogDirReplica, type LogDirsSource,
} from './handlers/describe-log-dirs.js';
export {
  ConnectionSession, type ListenerSecurity, type AuthRefusal,
} from './session.js';
export { clientListenerHandlers, peerOnlyApiKeys } from './listener-apis.js';
export { certificatePrincipal } from './server.js';
export { accessControl, withAuthorization, type Access } from './authorization.js';
export { measured, type RequestObserver } from './measured.js';
