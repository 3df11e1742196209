/** Every schema, by the file name its generated code gets (src/protocol/generated/<file>.ts). */
import { alterConfigs } from './alter-configs.js';
import { apiVersions } from './api-versions.js';
import { createPartitions } from './create-partitions.js';
import { createTopics } from './create-topics.js';
import { deleteGroups } from './delete-groups.js';
import { deleteRecords } from './delete-records.js';
import { deleteTopics } from './delete-topics.js';
import { describeCluster } from './describe-cluster.js';
import { describeConfigs } from './describe-configs.js';
import { describeGroups } from './describe-groups.js';
import { fetch } from './fetch.js';
import { findCoordinator } from './find-coordinator.js';
import { heartbeat } from './heartbeat.js';
import { incrementalAlterConfigs } from './incremental-alter-configs.js';
import { initProducerId } from './init-producer-id.js';
import { joinGroup } from './join-group.js';
import { leaveGroup } from './leave-group.js';
import { listGroups } from './list-groups.js';
import { listOffsets } from './list-offsets.js';
import { metadata } from './metadata.js';
import { offsetCommit } from './offset-commit.js';
import { offsetDelete } from './offset-delete.js';
import { offsetFetch } from './offset-fetch.js';
import { offsetForLeaderEpoch } from './offset-for-leader-epoch.js';
import { produce } from './produce.js';
import { raftKv } from './raft-kv.js';
import { raftMessage } from './raft-message.js';
import { requestHeader } from './request-header.js';
import { responseHeader } from './response-header.js';
import { saslHandshake } from './sasl-handshake.js';
import { syncGroup } from './sync-group.js';

export * from './dsl.js';

export const schemaSources: readonly { readonly file: string; readonly text: string }[] = [
  { file: 'alter-configs', text: alterConfigs },
  { file: 'api-versions', text: apiVersions },
  { file: 'create-partitions', text: createPartitions },
  { file: 'create-topics', text: createTopics },
  { file: 'delete-groups', text: deleteGroups },
  { file: 'delete-records', text: deleteRecords },
  { file: 'delete-topics', text: deleteTopics },
  { file: 'describe-cluster', text: describeCluster },
  { file: 'describe-configs', text: describeConfigs },
  { file: 'describe-groups', text: describeGroups },
  { file: 'fetch', text: fetch },
  { file: 'find-coordinator', text: findCoordinator },
  { file: 'heartbeat', text: heartbeat },
  { file: 'incremental-alter-configs', text: incrementalAlterConfigs },
  { file: 'init-producer-id', text: initProducerId },
  { file: 'join-group', text: joinGroup },
  { file: 'leave-group', text: leaveGroup },
  { file: 'list-groups', text: listGroups },
  { file: 'list-offsets', text: listOffsets },
  { file: 'metadata', text: metadata },
  { file: 'offset-commit', text: offsetCommit },
  { file: 'offset-delete', text: offsetDelete },
  { file: 'offset-fetch', text: offsetFetch },
  { file: 'offset-for-leader-epoch', text: offsetForLeaderEpoch },
  { file: 'produce', text: produce },
  { file: 'raft-kv', text: raftKv },
  { file: 'raft-message', text: raftMessage },
  { file: 'request-header', text: requestHeader },
  { file: 'response-header', text: responseHeader },
  { file: 'sasl-handshake', text: saslHandshake },
  { file: 'sync-group', text: syncGroup },
];
