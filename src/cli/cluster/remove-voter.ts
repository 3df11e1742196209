/**
 * `pado cluster remove-voter <id>`: demotes a voter of the metadata quorum to an observer with
 * RemoveRaftVoter (KIP-853); it keeps following the metadata log. The active controller cannot be
 * removed (stop it first: another voter takes over).
 */
import { ApiKey, type RemoveRaftVoterResponse, zeroUuid } from '../../protocol/index.js';
import { parseBootstrap } from '../args.js';
import { bootstrapOption, defineVerb, withClient } from '../verb.js';
import { parseNodeId, reportMembership, type VoterArgs } from './add-voter.js';

export const clusterRemoveVoter = defineVerb<VoterArgs>({
  command: 'cluster remove-voter <id>',
  description: 'Demote a voter of the metadata quorum to an observer (one change)',
  options: [bootstrapOption],
  examples: ['pado cluster remove-voter 3 --bootstrap 127.0.0.1:9092'],
  parse(positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), id: parseNodeId(positionals[0]) };
  },
  run: (args, ctx) => withClient(ctx, args.bootstrap, async (client) => {
    const metadata = await client.metadata([]);
    const response = await client.request<RemoveRaftVoterResponse>(ApiKey.removeRaftVoter, {
      clusterId: metadata.clusterId, voterId: args.id, voterDirectoryId: zeroUuid,
    }, 0);
    return reportMembership(ctx, `node ${args.id} is now an observer of the metadata quorum`,
      response);
  }),
});
