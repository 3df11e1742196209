/**
 * `pado cluster decommission <id>`: takes a stopped node out of the cluster for good — removes it
 * from the metadata quorum's voters when it is one (RemoveRaftVoter, KIP-853, as `remove-voter`
 * does), then removes its broker registration (UnregisterBroker, KIP-631, sent to the active
 * controller: its leaderships move away in the same batch). Refused for the active controller
 * (stop it first: another voter takes over) and for a node still running: a running broker would
 * register again at its next heartbeat, as Kafka's does.
 */
import type { KafkaClient } from '../../client/index.js';
import {
  ApiKey, KafkaError, type RemoveRaftVoterResponse, type UnregisterBrokerResponse, zeroUuid
} from '../../protocol/index.js';
import { parseBootstrap, type Bootstrap } from '../args.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from '../verb.js';
import { parseNodeId } from './add-voter.js';
import { fetchClusterSnapshot, type BrokerAddress, type ClusterSnapshot } from './common.js';

export interface DecommissionArgs {
  bootstrap: Bootstrap;
  id: number;
}

export type DecommissionPlan =
  | { readonly kind: 'refuse'; readonly message: string }
  | { readonly kind: 'run'; readonly removeVoter: boolean; readonly controller: BrokerAddress };

/** What to do for node `id`, from one snapshot of the cluster: refuse (and why), or the steps. */
export function planDecommission(snapshot: ClusterSnapshot, id: number): DecommissionPlan {
  const refuse = (message: string): DecommissionPlan => ({ kind: 'refuse', message });
  if (snapshot.controllerId < 0) {
    return refuse('no active controller: a majority of the metadata quorum must be running ' +
      '(see `pado cluster health`)');
  }
  if (id === snapshot.controllerId) {
    return refuse(`node ${id} is the active controller: stop it (SIGTERM moves its leaderships ` +
      'and another voter takes over), then run this again against another node');
  }
  if (snapshot.brokers.some((b) => b.brokerId === id)) {
    return refuse(`node ${id} is still running and would register again: stop it first, ` +
      'then run this again');
  }
  const controller = snapshot.brokers.find((b) => b.brokerId === snapshot.controllerId);
  if (controller === undefined) {
    return refuse(`the controller (node ${snapshot.controllerId}) has no known address yet; ` +
      'retry shortly');
  }
  const removeVoter = snapshot.quorum?.voters.some((v) => v.replicaId === id) ?? false;
  return { kind: 'run', removeVoter, controller };
}

export interface DecommissionOutcome {
  /** null: the node was not a voter, so nothing was asked. */
  readonly voter: { errorCode: number; errorMessage: string | null } | null;
  /** null: not sent (the voter removal failed first). */
  readonly unregister: { errorCode: number; errorMessage: string | null } | null;
}

/** What to print for the answers, and the exit code: success once something was removed. */
export function reportDecommission(id: number, o: DecommissionOutcome):
  { lines: string[]; errors: string[]; exitCode: number } {
  const lines: string[] = [];
  const errors: string[] = [];
  const failed = (what: string, r: { errorCode: number; errorMessage: string | null }) =>
    errors.push(`${what} refused (error ${r.errorCode}): ${r.errorMessage ?? 'no message'}`);
  if (o.voter !== null) {
    if (o.voter.errorCode !== 0) failed('removing the voter', o.voter);
    else lines.push(`node ${id} is no longer a voter of the metadata quorum`);
  }
  const notRegistered = o.unregister?.errorCode === KafkaError.brokerIdNotRegistered.code;
  if (o.unregister !== null && o.unregister.errorCode === 0) {
    lines.push(`broker ${id} unregistered: its leaderships moved to other replicas; partitions ` +
      'that listed it keep it as an offline replica until they are reassigned');
  } else if (notRegistered && o.voter?.errorCode === 0) {
    lines.push(`broker ${id} was not registered: nothing to unregister`);
  } else if (notRegistered) {
    errors.push(`node ${id} is neither a voter nor a registered broker ` +
      '(see `pado cluster info`)');
  } else if (o.unregister !== null) {
    failed('unregistering the broker', o.unregister);
  }
  return { lines, errors, exitCode: errors.length === 0 ? ExitCode.ok : ExitCode.failure };
}

async function decommission(client: KafkaClient, ctx: CliContext, id: number): Promise<number> {
  const snapshot = await fetchClusterSnapshot(client);
  const plan = planDecommission(snapshot, id);
  if (plan.kind === 'refuse') {
    ctx.stderr.write(`refused: ${plan.message}\n`);
    return ExitCode.failure;
  }
  let voter: DecommissionOutcome['voter'] = null;
  if (plan.removeVoter) {
    voter = await client.request<RemoveRaftVoterResponse>(ApiKey.removeRaftVoter, {
      clusterId: snapshot.clusterId, voterId: id, voterDirectoryId: zeroUuid,
    }, 0);
  }
  let unregister: DecommissionOutcome['unregister'] = null;
  if (voter === null || voter.errorCode === 0) {
    // UnregisterBroker is a controller API: it is not forwarded, so ask the controller itself.
    const { host, port } = plan.controller;
    unregister = await withClient(ctx, { host, port }, (controller) =>
      controller.request<UnregisterBrokerResponse>(ApiKey.unregisterBroker, { brokerId: id }, 0));
  }
  const report = reportDecommission(id, { voter, unregister });
  for (const line of report.lines) ctx.stdout.write(`${line}\n`);
  for (const line of report.errors) ctx.stderr.write(`${line}\n`);
  return report.exitCode;
}

export const clusterDecommission = defineVerb<DecommissionArgs>({
  command: 'cluster decommission <id>',
  description: 'Remove a stopped node from the quorum voters and unregister its broker',
  options: [bootstrapOption],
  examples: ['pado cluster decommission 3 --bootstrap 127.0.0.1:9092'],
  parse(positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), id: parseNodeId(positionals[0]) };
  },
  run: (args, ctx) => withClient(ctx, args.bootstrap,
    (client) => decommission(client, ctx, args.id)),
});
