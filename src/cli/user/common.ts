/** What the `pado user` verbs share: mechanism names and the AlterUserScramCredentials call. */
import { PadoError, PadoErrorCode } from '../../common/index.js';
import {
  ApiKey, type AlterUserScramCredentialsRequest, type AlterUserScramCredentialsResponse,
} from '../../protocol/index.js';
import type { KafkaClient } from '../../client/index.js';
import { describeBrokerError } from '../broker-errors.js';

/** Both SCRAM mechanisms by default: clients choose either, and PLAIN uses the SHA-512 one. */
export const defaultUserMechanisms = ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const;

export async function alterUsers(client: KafkaClient,
  request: AlterUserScramCredentialsRequest): Promise<void> {
  const response = await client.request<AlterUserScramCredentialsResponse>(
    ApiKey.alterUserScramCredentials, request, 0);
  for (const r of response.results) {
    if (r.errorCode === 0) continue;
    throw new PadoError(PadoErrorCode.invalidArgument,
      describeBrokerError(r.errorCode, { user: r.user }, r.errorMessage));
  }
}
