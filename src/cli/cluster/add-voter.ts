/**
 * `pado cluster add-voter <id>`: promotes an observer (a learner of the metadata quorum) to voter
 * with AddRaftVoter (KIP-853) — one membership change, made by the controller once the node has
 * caught up. The node's address is its registered broker address (Metadata).
 */
import type { KafkaClient } from '../../client/index.js';
import { ApiKey, type AddRaftVoterResponse, zeroUuid } from '../../protocol/index.js';
import { argumentError, parseBootstrap, type Bootstrap } from '../args.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from '../verb.js';

export interface VoterArgs {
  bootstrap: Bootstrap;
  id: number;
}

/** The node id positional: a positive integer. */
export function parseNodeId(positional: unknown): number {
  const text = String(positional ?? '');
  const id = Number(text);
  if (!/^\d{1,10}$/.test(text) || id < 1 || id > 2 ** 31 - 1) {
    throw argumentError(`'${text}' is not a node id; write e.g. 2`);
  }
  return id;
}

/** Prints the controller's answer: its message says what to do when it refused. */
export function reportMembership(
  ctx: CliContext, what: string, response: { errorCode: number; errorMessage: string | null },
): number {
  if (response.errorCode === 0) {
    ctx.stdout.write(`${what}\n`);
    return ExitCode.ok;
  }
  ctx.stderr.write(`refused (error ${response.errorCode}): ` +
    `${response.errorMessage ?? 'no message'}\n`);
  return ExitCode.failure;
}

async function addVoter(client: KafkaClient, ctx: CliContext, id: number): Promise<number> {
  const metadata = await client.metadata([]);
  const broker = metadata.brokers.find((b) => b.nodeId === id);
  if (broker === undefined) {
    ctx.stderr.write(`node ${id} is not a registered broker; start it with --join first ` +
      '(see `pado cluster info`)\n');
    return ExitCode.failure;
  }
  const response = await client.request<AddRaftVoterResponse>(ApiKey.addRaftVoter, {
    clusterId: metadata.clusterId, timeoutMs: 60_000, voterId: id,
    voterDirectoryId: zeroUuid,
    listeners: [{ name: 'PLAINTEXT', host: broker.host, port: broker.port }],
  }, 0);
  return reportMembership(ctx, `node ${id} is in the metadata quorum ` +
    '(a voter, or an observer when the quorum already has votersMax voters)', response);
}

export const clusterAddVoter = defineVerb<VoterArgs>({
  command: 'cluster add-voter <id>',
  description: 'Promote an observer to a voter of the metadata quorum (one change)',
  options: [bootstrapOption],
  examples: ['pado cluster add-voter 4 --bootstrap 127.0.0.1:9092'],
  parse(positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), id: parseNodeId(positionals[0]) };
  },
  run: (args, ctx) => withClient(ctx, args.bootstrap, (client) => addVoter(client, ctx, args.id)),
});
