/**
 * `pado cluster info`: the controller, every broker with its address and state, and the metadata
 * Raft quorum (leader, epoch, voters and observers with their log end offset and lag) when the
 * broker serves DescribeQuorum. `clusterInfoView` is pure; the verb fetches and prints it.
 */
import {
  describeBrokerMaintenance, type QuorumDescription, type QuorumReplica,
} from '../../client/index.js';
import { choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { formatTable, outputFormats, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from '../verb.js';
import {
  fetchClusterSnapshot, missingBrokerIds, quorumLag, quorumUnavailable, type ClusterSnapshot,
} from './common.js';

export type BrokerState = 'live' | 'missing';

export interface BrokerView {
  id: number;
  /** null for a missing broker: only its id is known (from replica lists or the quorum). */
  address: string | null;
  rack: string | null;
  state: BrokerState;
  controller: boolean;
  /** In maintenance mode (`pado cluster maintenance`): the controller moves leaderships off it. */
  maintenance: boolean;
}

export interface QuorumMemberView {
  id: number;
  role: 'leader' | 'voter' | 'observer';
  logEndOffset: number;
  /** Records behind the leader; null when unknown. */
  lag: number | null;
  /** How long before the leader's answer the member was last caught up (v1+); null unknown. */
  caughtUpMsAgo: number | null;
}

export interface QuorumView {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  members: QuorumMemberView[];
}

export interface ClusterInfoView {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerView[];
  /** null: the broker does not serve DescribeQuorum. */
  quorum: QuorumView | null;
}

/** `maintenance`: ids of the brokers in maintenance mode (DescribeBrokerMaintenance). */
export function clusterInfoView(snapshot: ClusterSnapshot,
  maintenance: readonly number[] = []): ClusterInfoView {
  const live: BrokerView[] = snapshot.brokers.map((b) => ({
    id: b.brokerId, address: `${b.host}:${b.port}`, rack: b.rack, state: 'live',
    controller: b.brokerId === snapshot.controllerId, maintenance: maintenance.includes(b.brokerId),
  }));
  const missing: BrokerView[] = missingBrokerIds(snapshot).map((id) => ({
    id, address: null, rack: null, state: 'missing', controller: false,
    maintenance: maintenance.includes(id),
  }));
  return {
    clusterId: snapshot.clusterId,
    controllerId: snapshot.controllerId,
    brokers: [...live, ...missing].sort((a, b) => a.id - b.id),
    quorum: snapshot.quorum === null ? null : quorumView(snapshot.quorum),
  };
}

function quorumView(quorum: QuorumDescription): QuorumView {
  // The leader reports its own lastCaughtUpTimestamp as its current time (KIP-836), so ages
  // are measured on the leader's clock and no local clock is needed.
  const leader = quorum.voters.find((v) => v.replicaId === quorum.leaderId);
  const leaderNowMs = leader?.lastCaughtUpTimestamp ?? -1;
  const member = (r: QuorumReplica, role: QuorumMemberView['role']): QuorumMemberView => ({
    id: r.replicaId,
    role,
    logEndOffset: r.logEndOffset,
    lag: quorumLag(quorum, r.logEndOffset),
    caughtUpMsAgo: leaderNowMs >= 0 && r.lastCaughtUpTimestamp >= 0
      ? Math.max(0, leaderNowMs - r.lastCaughtUpTimestamp) : null,
  });
  return {
    leaderId: quorum.leaderId,
    leaderEpoch: quorum.leaderEpoch,
    highWatermark: quorum.highWatermark,
    members: [
      ...quorum.voters.map((v) => member(v, v.replicaId === quorum.leaderId ? 'leader' : 'voter')),
      ...quorum.observers.map((o) => member(o, 'observer')),
    ],
  };
}

export interface ClusterInfoArgs {
  bootstrap: Bootstrap;
  format: OutputFormat;
}

export const clusterInfo = defineVerb<ClusterInfoArgs>({
  command: 'cluster info',
  description: 'Show the controller, brokers and the metadata quorum (voters and their lag)',
  options: [bootstrapOption, formatOption],
  examples: ['pado cluster info --bootstrap 127.0.0.1:9092'],
  parse(_positionals, options, env) {
    return {
      bootstrap: parseBootstrap(options, env),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
    };
  },
  async run(args, ctx) {
    const view = await withClient(ctx, args.bootstrap, async (client) => {
      const snapshot = await fetchClusterSnapshot(client);
      const maintenance = (await describeBrokerMaintenance(client)) ?? [];
      return clusterInfoView(snapshot, maintenance.map((m) => m.brokerId));
    });
    printInfo(ctx, args.format, view);
    return ExitCode.ok;
  },
});

function printInfo(ctx: CliContext, format: OutputFormat, view: ClusterInfoView): void {
  if (format === 'json') {
    ctx.stdout.write(`${JSON.stringify(view)}\n`);
    return;
  }
  const controller = view.controllerId < 0 ? 'none (no quorum leader)' : String(view.controllerId);
  ctx.stdout.write(`cluster id: ${view.clusterId ?? '-'}\ncontroller: ${controller}\n\n`);
  ctx.stdout.write(formatTable([
    { key: 'id', title: 'BROKER' }, { key: 'address', title: 'ADDRESS' },
    { key: 'rack', title: 'RACK' }, { key: 'state', title: 'STATE' },
  ], view.brokers.map((b) => ({
    id: b.id, address: b.address, rack: b.rack,
    state: (b.state === 'missing' ? 'missing (down or fenced)'
      : b.controller ? 'live, controller' : 'live') + (b.maintenance ? ', maintenance' : ''),
  }))));
  ctx.stdout.write('\n');
  const quorum = view.quorum;
  if (quorum === null) {
    ctx.stdout.write(`${quorumUnavailable}\n`);
    return;
  }
  ctx.stdout.write(`quorum: leader ${quorum.leaderId < 0 ? 'none' : quorum.leaderId}, ` +
    `epoch ${quorum.leaderEpoch}, high watermark ${quorum.highWatermark}\n`);
  ctx.stdout.write(formatTable([
    { key: 'id', title: 'NODE' }, { key: 'role', title: 'ROLE' },
    { key: 'logEndOffset', title: 'LOG END OFFSET' }, { key: 'lag', title: 'LAG' },
    { key: 'caughtUpMsAgo', title: 'CAUGHT UP (MS AGO)' },
  ], quorum.members.map((m) => ({ ...m }))));
}
