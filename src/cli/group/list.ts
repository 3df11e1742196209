/**
 * `pado group list`: every group in the cluster with its state and protocol type. ListGroups
 * answers only for the groups a broker coordinates, so each broker in the metadata is asked.
 */
import { listGroups, type KafkaClient } from '../../client/index.js';
import { choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { checkBrokerError } from '../broker-errors.js';
import { outputFormats, printRows, type OutputFormat, type Row } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient, type CliContext } from '../verb.js';

export interface GroupListArgs {
  bootstrap: Bootstrap;
  format: OutputFormat;
}

export const groupList = defineVerb<GroupListArgs>({
  command: 'group list',
  description: 'List consumer groups with their state and protocol type',
  options: [bootstrapOption, formatOption],
  parse(_positionals, options, env) {
    return {
      bootstrap: parseBootstrap(options, env),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
    };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const rows = await allGroups(ctx, client);
      printRows(ctx.stdout, args.format, [
        { key: 'group', title: 'GROUP' },
        { key: 'state', title: 'STATE' },
        { key: 'protocolType', title: 'PROTOCOL-TYPE' },
      ], rows);
      return ExitCode.ok;
    });
  },
});

async function allGroups(ctx: CliContext, client: KafkaClient): Promise<Row[]> {
  const metadata = await client.metadata([]);
  const rows: Row[] = [];
  // One request per broker: the metadata bounds the loop (a cluster has few brokers).
  for (const broker of metadata.brokers) {
    const same = broker.host === client.address.host && broker.port === client.address.port;
    const ask = async (c: KafkaClient): Promise<void> => {
      const r = await listGroups(c);
      checkBrokerError(r.errorCode, {});
      for (const g of r.groups) {
        // ListGroups before v4 carries no state; an empty string says "not reported".
        rows.push({ group: g.groupId, state: g.groupState === '' ? null : g.groupState,
          protocolType: g.protocolType });
      }
    };
    if (same || metadata.brokers.length === 1) await ask(client);
    else await withClient(ctx, { host: broker.host, port: broker.port }, ask);
  }
  return rows.sort((a, b) => String(a['group']).localeCompare(String(b['group'])));
}
