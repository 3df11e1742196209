/** `pado topic list` (Metadata for all topics). */
import { choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { outputFormats, printRows, type OutputFormat } from '../output.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';

export interface TopicListArgs {
  bootstrap: Bootstrap;
  format: OutputFormat;
}

export const formatOption = {
  flags: '--format <format>',
  description: 'table or json',
};

export const topicList = defineVerb<TopicListArgs>({
  command: 'topic list',
  description: 'List topics',
  options: [bootstrapOption, formatOption],
  parse(_positionals, options, env) {
    return {
      bootstrap: parseBootstrap(options, env),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
    };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const metadata = await client.metadata(null);
      const rows = metadata.topics
        .filter((t) => !t.isInternal)
        .map((t) => ({ name: t.name ?? '', partitions: t.partitions.length,
          replicas: t.partitions[0]?.replicaNodes.length ?? 0 }))
        .sort((a, b) => a.name.localeCompare(b.name));
      printRows(ctx.stdout, args.format, [
        { key: 'name', title: 'NAME' },
        { key: 'partitions', title: 'PARTITIONS' },
        { key: 'replicas', title: 'REPLICAS' },
      ], rows);
      return ExitCode.ok;
    });
  },
});
