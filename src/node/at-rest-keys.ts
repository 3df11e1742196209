/**
 * Encryption at rest, the node's part: where the master keys come from, and the one rule about
 * the network (security/at-rest.ts "Replication"). Storage encrypts what it writes and decrypts
 * what it reads, so partition data leaves a node in plaintext inside the Fetch responses of its
 * followers: a node that encrypts at rest must speak TLS to its peers, or what it protects on disk
 * crosses the LAN readable. The rule is checked at start-up, before anything is opened.
 *
 * Sources, first found wins: `encryption.master.key.file` in the config, the PADO_MASTER_KEY_FILE
 * variable (a path), the PADO_MASTER_KEY variable (the key itself: 64 hex digits or base64, or
 * `<id>:<key>` entries separated by commas after a rotation). A master key is never written
 * under the data directory.
 */
import { PadoError, PadoErrorCode, type Random } from '../common/index.js';
import { interBrokerListener, type NodeConfig } from '../config/index.js';
import {
  type MasterKeyRing, masterKeyEnvironmentVariable, masterKeyFileEnvironmentVariable,
  parseMasterKeys,
} from '../security/index.js';
import type { AtRestEncryption, FsOps } from '../storage/index.js';

/** The node's at-rest encryption from its config and environment, or undefined when off. */
export async function loadAtRest(
  config: NodeConfig, disk: FsOps, env: Readonly<Record<string, string | undefined>>,
  random: Random,
): Promise<AtRestEncryption | undefined> {
  const ring = await loadMasterKeys(config, disk, env);
  if (ring === undefined) return undefined;
  const inter = interBrokerListener(config.listeners ?? [], config.interBrokerListenerName);
  if (inter?.securityProtocol !== 'SSL') {
    throw new PadoError(PadoErrorCode.configInvalid, 'encryption at rest needs an SSL ' +
      'inter-broker listener: a follower fetches partition data decrypted, so between nodes it ' +
      'must travel inside TLS. Make the inter-broker listener SSL (e.g. "listeners": ' +
      '"BROKER://0.0.0.0:9092", "listener.security.protocol.map": "BROKER:SSL"; pado security ' +
      'init makes the certificates), or remove the master key');
  }
  return { ring, random };
}

async function loadMasterKeys(
  config: NodeConfig, disk: FsOps, env: Readonly<Record<string, string | undefined>>,
): Promise<MasterKeyRing | undefined> {
  const path = config.masterKeyFile ?? nonEmpty(env[masterKeyFileEnvironmentVariable]);
  if (path !== undefined) {
    const source = config.masterKeyFile !== undefined ? 'encryption.master.key.file'
      : masterKeyFileEnvironmentVariable;
    let bytes: Buffer | undefined;
    try {
      bytes = await disk.readFile(path);
    } catch (e) {
      throw new PadoError(PadoErrorCode.configInvalid, `${source} ${path}: cannot be read ` +
        `(${(e as Error).message})`, { cause: e });
    }
    if (bytes === undefined) {
      throw new PadoError(PadoErrorCode.configInvalid, `${source} ${path}: no such file; ` +
        'pado security rotate-key --key-file <path> makes one');
    }
    return parseMasterKeys(bytes, `${source} ${path}`);
  }
  const inline = nonEmpty(env[masterKeyEnvironmentVariable]);
  return inline === undefined ? undefined : parseMasterKeys(inline, masterKeyEnvironmentVariable);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
