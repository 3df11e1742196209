/**
 * What the `pado group` verbs share: the group id check and reaching the group's coordinator
 * (group requests must go to it, not to any broker). Offsets and group errors are
 * client/group-admin.ts.
 */
import { findGroupCoordinator, checkGroupError, type KafkaClient } from '../../client/index.js';
import { argumentError, type Bootstrap } from '../args.js';
import { withClient, type CliContext } from '../verb.js';

// Moved to client/group-admin.ts (the web console uses them too); their names stay here.
export {
  checkGroupError, committedOffsets, describeOne, latestOffsets, offsetsAt, topicPartitions,
  type DescribedGroup,
} from '../../client/index.js';

/** Kafka allows any non-empty string; we also bound it (the broker does, too). */
const groupIdLengthMax = 255;

export function parseGroupId(raw: string | undefined): string {
  const id = raw ?? '';
  if (id === '' || id.length > groupIdLengthMax) {
    throw argumentError(`group id '${id}' must have 1–${groupIdLengthMax} characters; ` +
      'write e.g. `pado group describe orders-app`');
  }
  return id;
}

/** Runs `fn` on a connection to the group's coordinator (the bootstrap one when it is that). */
export async function withCoordinator<T>(
  ctx: CliContext, bootstrap: Bootstrap, group: string, fn: (client: KafkaClient) => Promise<T>,
  bootstrapClient?: KafkaClient,
): Promise<T> {
  const find = async (client: KafkaClient): Promise<T> => {
    const c = await findGroupCoordinator(client, group);
    checkGroupError(c.errorCode, group, c.errorMessage);
    if (c.host === client.address.host && c.port === client.address.port) return fn(client);
    return withClient(ctx, { host: c.host, port: c.port }, fn);
  };
  return bootstrapClient === undefined ? withClient(ctx, bootstrap, find) : find(bootstrapClient);
}

