/**
 * DescribeUserScramCredentials (key 50) and AlterUserScramCredentials (key 51), v0 (KIP-554).
 * - Describe answers from this broker's image: for each user its mechanisms and iterations, never
 *   a salt or key. `users: null` lists every user; a user without credentials is
 *   RESOURCE_NOT_FOUND, a user named twice DUPLICATE_RESOURCE.
 * - Alter is decided by the controller (forwarded from any broker, server/forwarding.ts):
 *   controller/scram-users.ts checks each user's changes and writes the credentials' stored form.
 */
import { alterUserScramCredentials } from '../../controller/index.js';
import {
  KafkaError,
  type AlterUserScramCredentialsRequest, type AlterUserScramCredentialsResponse,
  type DescribeUserScramCredentialsRequest, type DescribeUserScramCredentialsResponse,
  type DescribeUserScramCredentialsResponseResult,
} from '../../protocol/index.js';
import type { MetadataImage } from '../../metadata/index.js';
import type { Broker } from '../broker.js';
import type { Handler } from '../handler.js';

export const describeUserScramCredentialsKey = 50;
export const alterUserScramCredentialsKey = 51;

export function describeUserScramCredentialsHandler(broker: Broker):
  Handler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse> {
  return {
    apiKey: describeUserScramCredentialsKey,
    minVersion: 0,
    maxVersion: 0,
    handle(_ctx, req) {
      const image = broker.image();
      const names = req.users === null ? [...image.scramCredentials.keys()].sort()
        : req.users.map((u) => u.name);
      const counts = new Map<string, number>();
      for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
      const results = [...new Set(names)].map((user) =>
        describeUser(image, user, (counts.get(user) ?? 0) > 1));
      return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, results };
    },
  };
}

function describeUser(image: MetadataImage, user: string,
  duplicate: boolean): DescribeUserScramCredentialsResponseResult {
  if (duplicate) {
    return { user, errorCode: KafkaError.duplicateResource.code,
      errorMessage: `user ${user} is named more than once`, credentialInfos: [] };
  }
  const held = image.scramCredentials.get(user);
  if (held === undefined || held.size === 0) {
    return { user, errorCode: KafkaError.resourceNotFound.code,
      errorMessage: `user ${user} has no SCRAM credentials`, credentialInfos: [] };
  }
  const credentialInfos = [...held].sort(([a], [b]) => a - b)
    .map(([mechanism, c]) => ({ mechanism, iterations: c.iterations }));
  return { user, errorCode: 0, errorMessage: null, credentialInfos };
}

export function alterUserScramCredentialsHandler(broker: Broker):
  Handler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> {
  return {
    apiKey: alterUserScramCredentialsKey,
    minVersion: 0,
    maxVersion: 0,
    async handle(_ctx, req) {
      const results = await broker.propose((image) => {
        const { records, results: result } = alterUserScramCredentials(image, req);
        return { records, result };
      });
      return { throttleTimeMs: 0, results };
    },
  };
}
