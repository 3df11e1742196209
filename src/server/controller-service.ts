/**
 * What the KRaft broker-lifecycle handlers may use of the active controller (BrokerRegistration,
 * BrokerHeartbeat, UnregisterBroker; KIP-631) and of the local Raft status (DescribeQuorum,
 * KIP-595). `node/controller-duties.ts` implements ControllerService; node/ builds QuorumStatus
 * from the Raft driver. Handlers stay free of timers and Raft. No promise rejects: errors are Kafka
 * codes (NOT_CONTROLLER on a node that is not the active controller).
 */
import type { Handler } from './handler.js';
import type { BrokerEndpoint } from '../metadata/index.js';
import type { ReportClusterEventRequest, ReportClusterEventResponse } from '../protocol/index.js';
import { brokerHeartbeatHandler } from './handlers/broker-heartbeat.js';
import { brokerRegistrationHandler } from './handlers/broker-registration.js';
import { describeQuorumHandler } from './handlers/describe-quorum.js';
import { reportClusterEventHandler } from './handlers/report-cluster-event.js';
import { unregisterBrokerHandler } from './handlers/unregister-broker.js';
import { allocateProducerIdsHandler } from './handlers/allocate-producer-ids.js';
import { alterPartitionHandler } from './handlers/alter-partition.js';
import { initProducerIdHandler } from './handlers/init-producer-id.js';

export interface BrokerRegistrationInput {
  readonly brokerId: number;
  readonly clusterId: string;
  /** Random per process start (Kafka's Uuid string form). */
  readonly incarnationId: string;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /** Every listener, the inter-broker one (host, port) first; absent: that one alone. */
  readonly endpoints?: readonly BrokerEndpoint[];
}

export interface BrokerRegistrationOutcome {
  readonly errorCode: number;
  /** -1 on error. */
  readonly brokerEpoch: number;
}

export interface BrokerHeartbeatInput {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  /** The Raft index up to which the broker has applied the metadata log. */
  readonly currentMetadataOffset: number;
  readonly wantFence: boolean;
  readonly wantShutdown: boolean;
}

export interface BrokerHeartbeatOutcome {
  readonly errorCode: number;
  readonly isCaughtUp: boolean;
  readonly isFenced: boolean;
  readonly shouldShutdown: boolean;
}

export interface UnregisterOutcome {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface ControllerService {
  /** Resolves once the registration is committed (or refused). */
  registerBroker(req: BrokerRegistrationInput): Promise<BrokerRegistrationOutcome>;
  /** Resolves once any fence/unfence/shutdown records it caused are committed. */
  brokerHeartbeat(req: BrokerHeartbeatInput): Promise<BrokerHeartbeatOutcome>;
  unregisterBroker(brokerId: number): Promise<UnregisterOutcome>;
  /**
   * The connection a broker heartbeated on closed (the active controller then fences it soon
   * unless it heartbeats again: broker-heartbeat.ts). Optional: a remote controller has no use.
   */
  brokerConnectionClosed?(brokerId: number): void;
}

/** One quorum member as DescribeQuorum reports it. */
export interface QuorumReplicaStatus {
  readonly replicaId: number;
  /** Next offset after the member's last log entry as the leader knows it; -1 when unknown. */
  readonly logEndOffset: number;
}

/** This node's view of the metadata Raft group. */
export interface QuorumStatus {
  /** -1 while no leader is known. */
  readonly leaderId: number;
  /** The Raft term: KRaft's leader epoch is the term. */
  readonly leaderEpoch: number;
  /** The commit index: entries 1..commit are committed, i.e. offsets 0..commit-1. */
  readonly highWatermark: number;
  readonly voters: readonly QuorumReplicaStatus[];
  readonly observers: readonly QuorumReplicaStatus[];
}

export interface QuorumView {
  quorumStatus(): QuorumStatus;
}

/** The handlers of this file's APIs, for `brokerHandlers(broker, extra)`. */
export function lifecycleHandlers(controller: ControllerService,
  quorum: QuorumView): Handler<never, unknown>[] {
  return [
    brokerRegistrationHandler(controller),
    brokerHeartbeatHandler(controller),
    unregisterBrokerHandler(controller),
    describeQuorumHandler(quorum),
  ];
}

/** A block of producer ids granted by the controller (AllocateProducerIds, KIP-730). */
export interface ProducerIdBlockOutcome {
  readonly errorCode: number;
  /** First id of the block; -1 on error. */
  readonly firstProducerId: number;
  /** Ids in the block: firstProducerId … firstProducerId + count - 1; 0 on error. */
  readonly count: number;
}

/** One partition of an AlterPartition request, whatever the version (names resolved to ids). */
export interface AlterPartitionItem {
  /** v2+ name topics by id; v0–v1 by name (the other is then ''). */
  readonly topicId: string;
  readonly topicName: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsr: readonly number[];
  /** v3+ (KIP-903): the epoch each ISR member had when the leader saw it caught up; -1 unknown. */
  readonly newIsrEpochs: readonly number[] | null;
  /** v1+; undefined before (the request cannot change it). */
  readonly leaderRecoveryState?: number;
}

export interface AlterPartitionInput {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly partitions: readonly AlterPartitionItem[];
}

/** The partition as the controller has it after the request (the new state, or the current one). */
export interface AlterPartitionItemOutcome {
  readonly errorCode: number;
  /** -1 when the partition is unknown. */
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly leaderRecoveryState: number;
  readonly partitionEpoch: number;
}

/** The controller's answers to partition leaders and to brokers handing out producer ids. */
export interface PartitionControllerService {
  /** Resolves once the block's record is committed: its ids are never handed out again. */
  allocateProducerIds(brokerId: number, brokerEpoch: number): Promise<ProducerIdBlockOutcome>;
  /**
   * One outcome per item, in order; a top-level error code (NOT_CONTROLLER, STALE_BROKER_EPOCH)
   * applies to every item and leaves the outcomes empty.
   */
  alterPartition(req: AlterPartitionInput):
    Promise<{ errorCode: number; partitions: AlterPartitionItemOutcome[] }>;
  /** A broker's report (disk, corrupt data) recorded as a cluster event once committed. */
  reportEvent(req: ReportClusterEventRequest): Promise<ReportClusterEventResponse>;
}

/** What InitProducerId needs: the next never-used producer id, or a retriable error code. */
export interface ProducerIdSource {
  nextProducerId(): Promise<{ errorCode: number; producerId: number }>;
}

/**
 * AllocateProducerIds and AlterPartition (controller APIs) and InitProducerId, which every broker
 * serves from its block of producer ids.
 */
export function controllerHandlers(controller: PartitionControllerService,
  producerIds: ProducerIdSource): Handler<never, unknown>[] {
  return [
    allocateProducerIdsHandler(controller),
    alterPartitionHandler(controller),
    initProducerIdHandler(producerIds),
    reportClusterEventHandler(controller),
  ];
}
