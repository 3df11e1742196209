/** The consumer-group APIs, served by the group coordinator behind `GroupService`. */
import type { Broker } from '../broker.js';
import type { GroupService } from '../group-service.js';
import type { Handler } from '../handler.js';
import { deleteGroupsHandler } from './delete-groups.js';
import { describeGroupsHandler } from './describe-groups.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import { heartbeatHandler } from './heartbeat.js';
import { joinGroupHandler } from './join-group.js';
import { leaveGroupHandler } from './leave-group.js';
import { listGroupsHandler } from './list-groups.js';
import { offsetCommitHandler } from './offset-commit.js';
import { offsetDeleteHandler } from './offset-delete.js';
import { offsetFetchHandler } from './offset-fetch.js';
import { syncGroupHandler } from './sync-group.js';

export function groupHandlers(groups: GroupService, broker: Broker): Handler<never, unknown>[] {
  return [
    findCoordinatorHandler(broker),
    joinGroupHandler(groups),
    syncGroupHandler(groups),
    heartbeatHandler(groups),
    leaveGroupHandler(groups),
    offsetCommitHandler(groups),
    offsetFetchHandler(groups),
    listGroupsHandler(groups),
    describeGroupsHandler(groups),
    deleteGroupsHandler(groups),
    offsetDeleteHandler(groups),
  ];
}
