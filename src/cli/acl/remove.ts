/**
 * `pado acl remove --topic orders --allow-principal User:alice --operation read` (DeleteAcls):
 * removes the ACLs every combination of the given flags selects, and prints them. A flag not
 * given matches anything (no --operation: every operation; no principal flag: every principal,
 * ALLOW and DENY), but a resource is required so one command cannot wipe every ACL by accident.
 * The pattern type is LITERAL unless `--resource-pattern-type` says prefixed, any, or match (the
 * ACLs that apply to the named resource, wildcard and prefixes included), as in rpk.
 */
import {
  AclPatternType, ApiKey, type DeleteAclsResponse,
} from '../../protocol/index.js';
import { type AclFilter } from '../../security/index.js';
import { argumentError, choiceOption, parseBootstrap, type Bootstrap, type RawOptions }
  from '../args.js';
import { outputFormats, printRows, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';
import {
  aclBrokerError, aclColumns, aclFilters, aclOptions, aclRow, parsePatternType, parseResources,
  patternOption,
} from './common.js';

export interface AclRemoveArgs {
  bootstrap: Bootstrap;
  filters: AclFilter[];
  format: OutputFormat;
}

export const filterPatternTypes = [AclPatternType.literal, AclPatternType.prefixed,
  AclPatternType.any, AclPatternType.match];

export const aclRemove = defineVerb<AclRemoveArgs>({
  command: 'acl remove',
  description: 'Remove the ACLs that match the flags, and print them',
  options: [bootstrapOption, ...aclOptions,
    patternOption(filterPatternTypes, AclPatternType.literal), formatOption],
  examples: [
    'pado acl remove --allow-principal User:alice --operation read --topic orders',
    'pado acl remove --topic raw. --resource-pattern-type prefixed',
  ],
  parse(_positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), filters: removeFilters(options),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table') };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const response = await client.request<DeleteAclsResponse>(ApiKey.deleteAcls,
        { filters: args.filters });
      const rows = new Map(response.filterResults.flatMap((r) => r.matchingAcls)
        .map((a) => aclRow(a)).map((row) => [JSON.stringify(row), row]));
      if (rows.size > 0) printRows(ctx.stdout, args.format, aclColumns, [...rows.values()]);
      const refused = response.filterResults.find((r) => r.errorCode !== 0);
      if (refused !== undefined) {
        throw aclBrokerError(refused.errorCode, `removed ${rows.size} ACLs, then a filter was ` +
          'refused', refused.errorMessage);
      }
      if (rows.size === 0) ctx.stderr.write('no ACL matched; see them with `pado acl list`\n');
      return ExitCode.ok;
    });
  },
});

export function removeFilters(options: RawOptions): AclFilter[] {
  if (parseResources(options).length === 0) {
    throw argumentError('no resource: give --topic, --group, --cluster or --transactional-id ' +
      '(`--topic \'*\' --resource-pattern-type any` selects the ACLs of every topic)');
  }
  return aclFilters(options, parsePatternType(options, filterPatternTypes,
    AclPatternType.literal));
}
