/**
 * AlterUserScramCredentials decided (KIP-554): deletions and upsertions of SCRAM credentials,
 * checked against the image, as the records that make them. The client sends the salted password
 * (Hi(password, salt, i)), never the password; the controller keeps only StoredKey and ServerKey
 * (RFC 5802), so no password and nothing that logs in as the user sits in the metadata log.
 *
 * Kafka's rules, per user and all-or-nothing for that user: a mechanism other than SCRAM-SHA-256
 * or SCRAM-SHA-512 is UNSUPPORTED_SASL_MECHANISM; an empty name, iterations outside 4096–16384, an
 * empty or oversized salt or a salted password of the wrong size is UNACCEPTABLE_CREDENTIAL; the
 * same (user, mechanism) twice in one request is DUPLICATE_RESOURCE; deleting a credential the
 * user does not have is RESOURCE_NOT_FOUND.
 */
import {
  KafkaError, type AlterUserScramCredentialsRequest,
  type AlterUserScramCredentialsResponseResult, type ScramMechanismCode,
} from '../protocol/index.js';
import type { MetadataImage, MetadataRecord } from '../metadata/index.js';
import {
  checkScramParameters, credentialFromSaltedPassword, saslNameBytesMax, scramMechanismFromCode,
} from '../security/index.js';

type Result = AlterUserScramCredentialsResponseResult;
type Failure = { errorCode: number; errorMessage: string };

export function alterUserScramCredentials(image: MetadataImage,
  req: AlterUserScramCredentialsRequest): { records: MetadataRecord[]; results: Result[] } {
  const users = [...new Set([...req.deletions, ...req.upsertions].map((c) => c.name))];
  const records: MetadataRecord[] = [];
  const results = users.map((user): Result => {
    const failure = checkUser(image, req, user);
    if (failure !== undefined) return { user, ...failure };
    for (const d of req.deletions.filter((c) => c.name === user)) {
      records.push({ type: 'removeUserScramCredential', name: user,
        mechanism: d.mechanism as ScramMechanismCode });
    }
    for (const u of req.upsertions.filter((c) => c.name === user)) {
      const mechanism = scramMechanismFromCode(u.mechanism);
      if (mechanism === undefined) continue; // checkUser refused it
      const credential = credentialFromSaltedPassword(mechanism, u.saltedPassword, u.salt,
        u.iterations);
      records.push({ type: 'userScramCredential', name: user,
        mechanism: u.mechanism as ScramMechanismCode, ...credential });
    }
    return { user, errorCode: 0, errorMessage: null };
  });
  return { records, results };
}

function checkUser(image: MetadataImage, req: AlterUserScramCredentialsRequest,
  user: string): Failure | undefined {
  if (user === '' || Buffer.byteLength(user, 'utf8') > saslNameBytesMax) {
    return unacceptable(`a user name has 1–${saslNameBytesMax} bytes`);
  }
  const changes = [...req.deletions, ...req.upsertions].filter((c) => c.name === user);
  const seen = new Set<number>();
  for (const c of changes) {
    if (scramMechanismFromCode(c.mechanism) === undefined) {
      return { errorCode: KafkaError.unsupportedSaslMechanism.code,
        errorMessage: `unknown SCRAM mechanism ${c.mechanism}: use 1 (SCRAM-SHA-256) or 2 ` +
          '(SCRAM-SHA-512)' };
    }
    if (seen.has(c.mechanism)) {
      return { errorCode: KafkaError.duplicateResource.code,
        errorMessage: `user ${user}: one change per mechanism in a request` };
    }
    seen.add(c.mechanism);
  }
  for (const u of req.upsertions.filter((c) => c.name === user)) {
    const mechanism = scramMechanismFromCode(u.mechanism);
    if (mechanism === undefined) continue;
    const problem = checkScramParameters(mechanism, u.salt, u.iterations, u.saltedPassword);
    if (problem !== undefined) return unacceptable(problem);
  }
  const held = image.scramCredentials.get(user);
  for (const d of req.deletions.filter((c) => c.name === user)) {
    if (held?.get(d.mechanism as ScramMechanismCode) === undefined) {
      return { errorCode: KafkaError.resourceNotFound.code,
        errorMessage: `user ${user} has no ${scramMechanismFromCode(d.mechanism) ?? ''} ` +
          'credential to delete' };
    }
  }
  return undefined;
}

const unacceptable = (errorMessage: string): Failure =>
  ({ errorCode: KafkaError.unacceptableCredential.code, errorMessage });
