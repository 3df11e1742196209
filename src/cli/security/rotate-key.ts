/**
 * `pado security rotate-key --key-file <path>`: makes the master key file of encryption at rest,
 * or adds a new master key to it (issue 15). The file keeps every key as `<id>:<64 hex digits>`,
 * the highest id current; older keys stay so the data keys they wrapped can be read. Written
 * atomically (temp file 0600, fsync, rename): an interrupted run leaves the old file or the new.
 *
 * What happens on the node (security/at-rest.ts "Rotation"): at its next start it re-wraps every
 * data key — each partition's `encryption.keys`, the Raft log's and the group snapshots' — under
 * the new master key (40 bytes per key, no segment rewritten), and new segments get data keys made
 * under it. Once every node has restarted, the old line may be deleted.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync }
  from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { PadoError, PadoErrorCode } from '../../common/index.js';
import {
  formatMasterKeyLine, masterKey, masterKeyBytes, masterKeyFileEnvironmentVariable,
  masterKeyIdMax, type MasterKey, MasterKeyRing, parseMasterKeys,
} from '../../security/index.js';
import { argumentError, stringOption } from '../args.js';
import { defineVerb, ExitCode } from '../verb.js';

export interface RotateKeyArgs {
  keyFile: string;
}

export interface RotateKeyReport {
  readonly file: string;
  /** The new current master key id. */
  readonly id: number;
  readonly created: boolean;
}

export const rotateKey = defineVerb<RotateKeyArgs>({
  command: 'security rotate-key',
  description: 'Create the master key file of encryption at rest, or add a new master key to it',
  options: [
    { flags: '--key-file <path>', description: 'The master key file (env ' +
      `${masterKeyFileEnvironmentVariable}); made, mode 0600, if it does not exist` },
  ],
  examples: ['pado security rotate-key --key-file /etc/pado/master.key'],
  parse(_positionals, options, env) {
    const keyFile = stringOption(options, 'keyFile') ?? env[masterKeyFileEnvironmentVariable];
    if (keyFile === undefined || keyFile === '') {
      throw argumentError('--key-file: give the master key file (e.g. --key-file ' +
        `/etc/pado/master.key, or ${masterKeyFileEnvironmentVariable})`);
    }
    return { keyFile };
  },
  async run(args, ctx) {
    const report = rotateKeyFile(args.keyFile, randomBytes(masterKeyBytes));
    ctx.stdout.write(report.created
      ? `wrote ${report.file} with master key 1 (mode 0600). Keep a copy off the node: without ` +
        'it the data is unreadable. Set "encryption.master.key.file" in the node\'s config ' +
        '(the inter-broker listener must be SSL) and start it.\n'
      : `added master key ${report.id} to ${report.file}; older keys kept. Restart the node: it ` +
        `re-wraps its data keys under key ${report.id} (no data rewritten) and new segments use ` +
        `keys made under it. Once every node using this file has restarted, the lines of older ` +
        'keys may be removed.\n');
    return ExitCode.ok;
  },
});

/** Creates the key file or adds a key made from `fresh` (32 random bytes) to it. */
export function rotateKeyFile(path: string, fresh: Buffer): RotateKeyReport {
  const file = resolve(path);
  let keys: MasterKey[] = [];
  if (existsSync(file)) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      throw new PadoError(PadoErrorCode.storageIo, `cannot read ${file} ` +
        `(${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
    }
    const ring = parseMasterKeys(bytes, `key file ${file}`);
    keys = ring.ids.map((id) => ring.get(id) as MasterKey);
  }
  const id = (keys.at(-1)?.id ?? 0) + 1;
  if (id > masterKeyIdMax) throw argumentError(`${file}: master key ids are exhausted`);
  keys.push(masterKey(id, fresh, 'the new master key'));
  MasterKeyRing.of(keys, `key file ${file}`); // refuses a key already in the file
  const text = '# Pado master keys (encryption at rest): <id>:<key>, the highest id is current.\n' +
    '# Keep older lines until every node using this file has restarted after a rotation.\n' +
    keys.map((k) => `${formatMasterKeyLine(k)}\n`).join('');
  writeDurably(file, text);
  return { file, id, created: id === 1 };
}

function writeDurably(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    const fd = openSync(temp, 'wx', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
    const dir = openSync(dirname(file), 'r');
    try {
      fsyncSync(dir);
    } catch {
      // Windows refuses to fsync a directory; the rename is still atomic there.
    } finally {
      closeSync(dir);
    }
  } catch (e) {
    throw new PadoError(PadoErrorCode.storageIo, `cannot write ${file} ` +
      `(${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
}
