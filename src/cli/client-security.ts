/**
 * How the `pado` CLI secures its connections (issue 15): TLS and a SASL login, from flags, the
 * environment or a client config file — in that order of precedence, as `pado start` takes its
 * own settings. The file is a Kafka client .properties file as Kafka's tools and librdkafka read
 * it (`security.protocol`, `sasl.mechanism(s)`, `sasl.jaas.config` or `sasl.username` /
 * `sasl.password`, `ssl.ca.location` or `ssl.truststore.location` (PEM), `ssl.certificate.location`
 * + `ssl.key.location` or `ssl.keystore.location` (PEM with both)), so one file serves kcat,
 * Kafka's tools and pado. The password never comes from a flag (every `ps` would show it):
 * PADO_SASL_PASSWORD or the file.
 */
import { readFileSync } from 'node:fs';
import type { Environment } from '../config/index.js';
import type { ClientSecurity } from '../client/index.js';
import { saslMechanisms, type SaslMechanism } from '../security/index.js';
import { argumentError, stringOption, type RawOptions } from './args.js';
import type { OptionSpec } from './verb.js';

export const clientSecurityOptions: readonly OptionSpec[] = [
  { flags: '--client-config <file>', description: 'Kafka client properties: TLS and SASL ' +
    '(env PADO_CLIENT_CONFIG)' },
  { flags: '--security-protocol <p>', description: 'PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL ' +
    '(env PADO_SECURITY_PROTOCOL)' },
  { flags: '--sasl-mechanism <m>', description: 'SCRAM-SHA-512 (default), SCRAM-SHA-256 or ' +
    'PLAIN (env PADO_SASL_MECHANISM)' },
  { flags: '--user <name>', description: 'SASL user (env PADO_SASL_USERNAME); the password ' +
    'from PADO_SASL_PASSWORD or the client config' },
  { flags: '--tls-ca <file>', description: 'PEM CA to trust (env PADO_TLS_CA)' },
  { flags: '--tls-cert <file>', description: 'PEM client certificate (env PADO_TLS_CERT)' },
  { flags: '--tls-key <file>', description: 'PEM client key (env PADO_TLS_KEY)' },
];

const protocols = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

type Settings = Partial<Record<'protocol' | 'mechanism' | 'user' | 'password' | 'ca' | 'cert' |
  'key' | 'keyPassword', string>>;

/** The client's security, or undefined for PLAINTEXT without anything set. */
export function clientSecurity(options: RawOptions, env: Environment,
  read: (path: string) => Buffer = (path) => readFileSync(path)): ClientSecurity | undefined {
  const filePath = stringOption(options, 'clientConfig') ?? env['PADO_CLIENT_CONFIG'];
  const file = filePath === undefined ? {} : parseProperties(readText(read, filePath,
    '--client-config'), filePath);
  const fromEnv: Settings = strip({ protocol: env['PADO_SECURITY_PROTOCOL'],
    mechanism: env['PADO_SASL_MECHANISM'], user: env['PADO_SASL_USERNAME'],
    password: env['PADO_SASL_PASSWORD'], ca: env['PADO_TLS_CA'], cert: env['PADO_TLS_CERT'],
    key: env['PADO_TLS_KEY'] });
  const fromFlags: Settings = strip({ protocol: stringOption(options, 'securityProtocol'),
    mechanism: stringOption(options, 'saslMechanism'), user: stringOption(options, 'user'),
    ca: stringOption(options, 'tlsCa'), cert: stringOption(options, 'tlsCert'),
    key: stringOption(options, 'tlsKey') });
  const s: Settings = { ...file, ...fromEnv, ...fromFlags };
  const protocol = (s.protocol ?? (s.user !== undefined ? 'SASL_SSL'
    : s.ca !== undefined || s.cert !== undefined ? 'SSL' : 'PLAINTEXT')).toUpperCase();
  if (!(protocols as readonly string[]).includes(protocol)) {
    throw argumentError(`--security-protocol: '${protocol}' is not one of ${protocols.join(', ')}`);
  }
  if (protocol === 'PLAINTEXT') return undefined;
  const tls = protocol === 'SSL' || protocol === 'SASL_SSL' ? tlsOptions(s, read) : undefined;
  const sasl = protocol.startsWith('SASL') ? saslOptions(s) : undefined;
  return { ...(tls === undefined ? {} : { tls }), ...(sasl === undefined ? {} : { sasl }) };
}

function tlsOptions(s: Settings, read: (path: string) => Buffer): NonNullable<ClientSecurity['tls']> {
  if ((s.cert === undefined) !== (s.key === undefined)) {
    throw argumentError('--tls-cert and --tls-key go together (a certificate and its key)');
  }
  return {
    ...(s.ca === undefined ? {} : { ca: readFile(read, s.ca, '--tls-ca') }),
    ...(s.cert === undefined ? {} : { cert: readFile(read, s.cert, '--tls-cert') }),
    ...(s.key === undefined ? {} : { key: readFile(read, s.key, '--tls-key') }),
    ...(s.keyPassword === undefined ? {} : { passphrase: s.keyPassword }),
  };
}

function saslOptions(s: Settings): NonNullable<ClientSecurity['sasl']> {
  const mechanism = (s.mechanism ?? 'SCRAM-SHA-512').toUpperCase();
  if (!(saslMechanisms as readonly string[]).includes(mechanism)) {
    throw argumentError(`--sasl-mechanism: '${mechanism}' is not one of ` +
      `${saslMechanisms.join(', ')}`);
  }
  if (s.user === undefined) {
    throw argumentError('SASL needs a user: --user alice (or PADO_SASL_USERNAME, or ' +
      'sasl.jaas.config in --client-config)');
  }
  if (s.password === undefined) {
    throw argumentError(`no password for ${s.user}: set PADO_SASL_PASSWORD, or put it in the ` +
      '--client-config file (a --password flag would show it to every `ps`)');
  }
  return { mechanism: mechanism as SaslMechanism, username: s.user, password: s.password };
}

/** Kafka's .properties: `key=value` or `key: value` lines, `#` and `!` comments. */
export function parseProperties(text: string, path: string): Settings {
  const props = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const at = line.search(/[=:]/);
    if (at <= 0) throw argumentError(`${path}: '${line.slice(0, 60)}' is not key=value`);
    props.set(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  const jaas = props.get('sasl.jaas.config') ?? '';
  const quoted = (key: string) => new RegExp(`${key}\\s*=\\s*"([^"]*)"`).exec(jaas)?.[1];
  const truststore = props.get('ssl.truststore.location');
  const keystore = props.get('ssl.keystore.location');
  return strip({
    protocol: props.get('security.protocol'),
    mechanism: props.get('sasl.mechanism') ?? props.get('sasl.mechanisms'),
    user: props.get('sasl.username') ?? quoted('username'),
    password: props.get('sasl.password') ?? quoted('password'),
    ca: props.get('ssl.ca.location') ?? truststore,
    cert: props.get('ssl.certificate.location') ?? keystore,
    key: props.get('ssl.key.location') ?? keystore,
    keyPassword: props.get('ssl.key.password'),
  });
}

function strip(s: Record<string, string | undefined>): Settings {
  return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined && v !== ''));
}

function readFile(read: (path: string) => Buffer, path: string, flag: string): Buffer {
  try {
    return read(path);
  } catch (e) {
    throw argumentError(`${flag}: cannot read ${path} (${(e as Error).message})`);
  }
}

function readText(read: (path: string) => Buffer, path: string, flag: string): string {
  return readFile(read, path, flag).toString('utf8');
}
