/**
 * `pado acl add --allow-principal User:alice --operation read --topic orders` (CreateAcls):
 * every combination of the principals, operations, resources and hosts given (host `*` if
 * none), each checked here by the broker's own rules (security/'s `validateNewAcl`) before
 * anything is sent. Adding an ACL that exists changes nothing and succeeds.
 */
import {
  AclPatternType, ApiKey, type CreateAclsResponse,
} from '../../protocol/index.js';
import { validateNewAcl, wildcardHost, type AclEntry } from '../../security/index.js';
import { argumentError, choiceOption, parseBootstrap, type Bootstrap, type RawOptions }
  from '../args.js';
import { outputFormats, printRows, type OutputFormat } from '../output.js';
import { formatOption } from '../topic/list.js';
import { bootstrapOption, defineVerb, ExitCode, withClient } from '../verb.js';
import {
  aclBrokerError, aclColumns, aclOptions, aclRow, checkCount, describeAcl, parseHosts,
  parseOperations, parsePatternType, parsePrincipals, parseResources, patternOption,
} from './common.js';

export interface AclAddArgs {
  bootstrap: Bootstrap;
  acls: AclEntry[];
  format: OutputFormat;
}

const patternTypes = [AclPatternType.literal, AclPatternType.prefixed];

export const aclAdd = defineVerb<AclAddArgs>({
  command: 'acl add',
  description: 'Allow or deny principals operations on topics, groups, the cluster, …',
  options: [bootstrapOption, ...aclOptions,
    patternOption(patternTypes, AclPatternType.literal), formatOption],
  examples: [
    'pado acl add --allow-principal User:alice --operation read --operation describe ' +
      '--topic orders',
    'pado acl add --allow-principal User:etl --operation write --topic raw. ' +
      '--resource-pattern-type prefixed',
    'pado acl add --allow-principal User:app --operation read --group app',
  ],
  parse(_positionals, options, env) {
    return { bootstrap: parseBootstrap(options, env), acls: newAcls(options),
      format: choiceOption(options, 'format', '--format', outputFormats, 'table') };
  },
  async run(args, ctx) {
    return withClient(ctx, args.bootstrap, async (client) => {
      const response = await client.request<CreateAclsResponse>(ApiKey.createAcls, {
        creations: args.acls.map(({ patternType, ...a }) =>
          ({ ...a, resourcePatternType: patternType })),
      });
      const failed = response.results.findIndex((r) => r.errorCode !== 0);
      const result = response.results[failed];
      const acl = args.acls[failed];
      if (result !== undefined && acl !== undefined) {
        const added = response.results.filter((r) => r.errorCode === 0).length;
        throw aclBrokerError(result.errorCode, `added ${added} of ${args.acls.length} ACLs; ` +
          `not ${describeAcl(acl)}`, result.errorMessage);
      }
      printRows(ctx.stdout, args.format, aclColumns, args.acls.map(aclRow));
      return ExitCode.ok;
    });
  },
});

/** Every combination, checked as the broker will check it. */
export function newAcls(options: RawOptions): AclEntry[] {
  const principals = parsePrincipals(options);
  const operations = parseOperations(options);
  const resources = parseResources(options);
  const hosts = parseHosts(options);
  if (principals.length === 0) {
    throw argumentError('no principal: give --allow-principal or --deny-principal, e.g. ' +
      '--allow-principal User:alice');
  }
  if (operations.length === 0) throw argumentError('no operation: give e.g. --operation read');
  if (resources.length === 0) {
    throw argumentError('no resource: give --topic, --group, --cluster or --transactional-id');
  }
  const patternType = parsePatternType(options, patternTypes, AclPatternType.literal);
  checkCount(principals.length * operations.length * resources.length *
    Math.max(1, hosts.length), 'ACLs');
  const acls: AclEntry[] = [];
  for (const p of principals) {
    for (const host of hosts.length > 0 ? hosts : [wildcardHost]) {
      for (const r of resources) {
        for (const operation of operations) {
          const acl = validateNewAcl({ ...r, patternType, ...p, host, operation });
          if (typeof acl === 'string') throw argumentError(acl);
          acls.push(acl);
        }
      }
    }
  }
  return acls;
}
