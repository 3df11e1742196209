/** Every Kafka API this broker serves, one handler per file. */
import type { Broker } from '../broker.js';
import { handlerTable, type Handler, type HandlerTable } from '../handler.js';
import { createAclsHandler, deleteAclsHandler, describeAclsHandler } from './acls.js';
import { alterConfigsHandler, incrementalAlterConfigsHandler } from './alter-configs.js';
import { apiVersionsHandler } from './api-versions.js';
import {
  alterBrokerMaintenanceHandler, describeBrokerMaintenanceHandler,
} from './broker-maintenance.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeClusterEventsHandler } from './describe-cluster-events.js';
import { describeConfigsHandler } from './describe-configs.js';
import { fetchHandler } from './fetch.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { produceHandler } from './produce.js';
import {
  alterPartitionReassignmentsHandler, electLeadersHandler, listPartitionReassignmentsHandler,
  replicationThrottleHandler,
} from './reassignment.js';
import { saslAuthenticateHandler, saslHandshakeHandler } from './sasl.js';
import {
  alterUserScramCredentialsHandler, describeUserScramCredentialsHandler,
} from './scram-credentials.js';

export function brokerHandlers(broker: Broker, extra: readonly Handler<never, unknown>[] = []): HandlerTable {
  let table: HandlerTable | null = null;
  const all: Handler<never, unknown>[] = [
    apiVersionsHandler(() => table as HandlerTable),
    metadataHandler(broker),
    produceHandler(broker),
    fetchHandler(broker),
    listOffsetsHandler(broker),
    createTopicsHandler(broker),
    deleteTopicsHandler(broker),
    createPartitionsHandler(broker),
    describeConfigsHandler(broker),
    alterConfigsHandler(broker),
    incrementalAlterConfigsHandler(broker),
    describeClusterHandler(broker),
    describeClusterEventsHandler(broker),
    deleteRecordsHandler(broker),
    offsetForLeaderEpochHandler(broker),
    saslHandshakeHandler(),
    saslAuthenticateHandler(),
    describeUserScramCredentialsHandler(broker),
    alterUserScramCredentialsHandler(broker),
    describeAclsHandler(broker),
    createAclsHandler(broker),
    deleteAclsHandler(broker),
    electLeadersHandler(broker),
    alterPartitionReassignmentsHandler(broker),
    listPartitionReassignmentsHandler(broker),
    replicationThrottleHandler(broker),
    alterBrokerMaintenanceHandler(broker),
    describeBrokerMaintenanceHandler(broker),
    ...extra,
  ];
  table = handlerTable(all);
  return table;
}
