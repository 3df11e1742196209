/**
 * `pado acl list [--topic orders] [--allow-principal User:alice] …` (DescribeAcls): every ACL,
 * or those the flags select (each flag narrows; several values: every combination, one
 * DescribeAcls each). With a resource the pattern type is ANY (the ACLs named exactly so,
 * literal or prefixed) unless `--resource-pattern-type` says literal, prefixed or match (every
 * ACL that applies to that resource: its literal name, `*`, and the prefixes of its name).
 */
import {
  AclPatternType, ApiKey, type DescribeAclsResponse,
} from '../../protocol/index.js';
import { type AclFilter } from '../../security/index.js';
import { choiceOption, parseBootstrap, type Bootstrap } from '../args.js';
import { outputFormats, printRows, type OutputFormat, type Row } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';
import {
  aclBrokerError, aclColumns, aclFilters, aclOptions, describeRequest, parsePatternType,
  patternOption, rowsOfResources,
} from './common.js';
import { filterPatternTypes } from './remove.js';

export interface AclListArgs {
  bootstrap: Bootstrap;
  filters: AclFilter[];
  format: OutputFormat;
}

export const aclList = defineVerb<AclListArgs>({
  command: 'acl list',
  description: 'List ACLs, all or those the flags select',
  options: [bootstrapOption, ...aclOptions,
    patternOption(filterPatternTypes, AclPatternType.any), formatOption],
  examples: ['pado acl list', 'pado acl list --topic orders --resource-pattern-type match'],
  parse(_positionals, options, env) {
    return {
      bootstrap: parseBootstrap(options, env),
      filters: aclFilters(options,
        parsePatternType(options, filterPatternTypes, AclPatternType.any)),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table'),
    };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const rows = new Map<string, Row>();
      for (const filter of args.filters) {
        const response = await client.request<DescribeAclsResponse>(ApiKey.describeAcls,
          describeRequest(filter));
        if (response.errorCode !== 0) {
          throw aclBrokerError(response.errorCode, 'cannot list ACLs', response.errorMessage);
        }
        for (const row of rowsOfResources(response.resources)) rows.set(JSON.stringify(row), row);
      }
      printRows(ctx.stdout, args.format, aclColumns, [...rows.values()]);
      return ExitCode.ok;
    });
  },
});
