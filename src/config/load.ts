/**
 * Loading the node config: defaults < config file (JSON) < environment < command-line flags,
 * validated once with ajv on the merged result. Every error names the field, the bad value and
 * what to write instead, and is thrown as PadoError('PADO_CONFIG_INVALID').
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { PadoError, PadoErrorCode } from '../common/index.js';
import {
  defaultHost, fieldHints, kafkaKeyAliases, nodeConfigDefaults, nodeConfigSchema,
  type HostPort, type NodeConfig, type RaftVoterAddress,
} from './node-config.js';
import {
  interBrokerListener, isSecurityProtocol, parseListenerList, parseProtocolMap, usesSasl, usesTls,
  type ListenerConfig, type ParseProblem,
} from './listeners.js';
import { suggest } from './suggest.js';

/** Flags as the CLI parser hands them over (numbers may arrive already parsed). */
export interface NodeConfigFlags {
  config?: string | undefined;
  listen?: string | number | undefined;
  /** host:port of the HTTP admin listener (metrics, health, readiness). */
  httpListen?: string | number | undefined;
  dataDir?: string | undefined;
  nodeId?: string | number | undefined;
  logLevel?: string | undefined;
  /** `1@host:port,2@host:port,…` */
  initialVoters?: string | undefined;
  /** host:port of a running node to join. */
  join?: string | undefined;
  rack?: string | undefined;
  /** Alert hooks (alerts.webhook, alerts.command). */
  alertWebhook?: string | undefined;
  alertCommand?: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ConfigSources {
  flags: NodeConfigFlags;
  env: Environment;
}

type Layer = Record<string, unknown>;

/** Reads the file named by --config (if any) and resolves the final config. */
export function loadNodeConfig(
  sources: ConfigSources,
  readText: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): NodeConfig {
  const path = sources.flags.config;
  let file: Layer = {};
  if (path !== undefined) {
    let text: string;
    try {
      text = readText(path);
    } catch (e) {
      throw configError(`config file ${path}: cannot be read (${errorText(e)}); ` +
        'check the path given to --config', e);
    }
    file = parseConfigFile(text, path);
  }
  return resolveNodeConfig([file, envLayer(sources.env), flagLayer(sources.flags)]);
}

/** Merges layers over the defaults (later wins, objects merge key by key) and validates. */
export function resolveNodeConfig(layers: readonly Layer[]): NodeConfig {
  let merged: Layer = nodeConfigDefaults() as unknown as Layer;
  for (const layer of layers) merged = mergeObjects(merged, layer);
  if (merged['listeners'] !== undefined && layers.some((l) => l['listen'] !== undefined)) {
    throw configError('config listen: with "listeners" set, the inter-broker listener is the ' +
      'address peers use; remove listen (or --listen) and set inter.broker.listener.name');
  }
  return validateNodeConfig(combineListeners(merged));
}

/**
 * Kafka's three listener keys become one list of listeners, each with its protocol and advertised
 * address; `listen` and `advertised` then name the inter-broker one. Defaults of ssl.* fill in.
 */
function combineListeners(merged: Layer): Layer {
  const { listeners, advertisedListeners, listenerSecurityProtocolMap, ...rest } = merged;
  if (advertisedListeners !== undefined && listeners === undefined) {
    throw configError('config advertised.listeners: needs "listeners" to name the listeners it ' +
      'advertises; for one listener write "advertised": "host:port"');
  }
  if (isPlainObject(rest['ssl'])) {
    const { truststoreType, ...ssl } = rest['ssl'];
    if (truststoreType !== undefined && truststoreType !== 'PEM') {
      throw configError(`config ssl.truststore.type: ${describeValue(truststoreType)} is not ` +
        'supported; give the CA certificates as a PEM file ("ssl.truststore.type": "PEM")');
    }
    rest['ssl'] = { keystoreType: 'PEM', clientAuth: 'none', endpointIdentificationAlgorithm: 'https',
      ...ssl };
  }
  if (listeners === undefined) return rest;
  const list = listenerEntries(listeners, listenerSecurityProtocolMap);
  applyAdvertised(list, advertisedListeners);
  const inter = interBrokerListener(list, rest['interBrokerListenerName'] as string | undefined);
  if (inter !== undefined) {
    rest['listen'] = { host: inter.host, port: inter.port };
    if (inter.advertised !== undefined) rest['advertised'] = inter.advertised;
  }
  return { ...rest, listeners: list };
}

function listenerEntries(value: unknown, mapValue: unknown): ListenerConfig[] {
  const text = Array.isArray(value) ? value.join(',') : value;
  if (typeof text !== 'string') {
    throw configError(`config listeners: ${describeValue(value)} is not a list of ` +
      'NAME://host:port listeners; write e.g. "listeners": "SASL_SSL://0.0.0.0:9093"');
  }
  const parsed = parseListenerList(text, 'listeners');
  if (!parsed.ok) throw problemError(parsed.problem);
  const map = protocolMap(mapValue);
  return parsed.entries.map(({ name, address }) => {
    const protocol = map[name] ?? name;
    if (!isSecurityProtocol(protocol)) {
      throw configError(`config listeners: listener ${name} has no security protocol; add it ` +
        `to listener.security.protocol.map, e.g. "${name}:SASL_SSL" (PLAINTEXT, SSL, ` +
        'SASL_PLAINTEXT or SASL_SSL)');
    }
    const { host, port } = parseHostPort(address, 'listeners');
    return { name, host, port, securityProtocol: protocol };
  });
}

function protocolMap(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) =>
      [k.toUpperCase(), String(v).toUpperCase()]));
  }
  const parsed = parseProtocolMap(String(value));
  if (!parsed.ok) throw problemError(parsed.problem);
  return parsed.map;
}

function applyAdvertised(list: ListenerConfig[], value: unknown): void {
  if (value === undefined) return;
  const parsed = parseListenerList(Array.isArray(value) ? value.join(',') : String(value),
    'advertised.listeners');
  if (!parsed.ok) throw problemError(parsed.problem);
  for (const { name, address } of parsed.entries) {
    const listener = list.find((l) => l.name === name);
    if (listener === undefined) {
      throw configError(`config advertised.listeners: ${name} is not one of the listeners ` +
        `(${list.map((l) => l.name).join(', ')}); advertise only listeners this node has`);
    }
    listener.advertised = parseHostPort(address, 'advertised.listeners');
  }
}

function problemError(p: ParseProblem): PadoError {
  return configError(`config ${p.field}: '${p.text}' is not ${p.expected}`);
}

/** What the schema cannot say about listeners: distinct names, a known inter-broker one, TLS. */
function checkListeners(config: NodeConfig): void {
  const list = config.listeners;
  if (list === undefined) {
    if (config.authorizer === undefined) return;
    throw configError('config authorizer.class.name: ACLs need authenticated clients and nodes; ' +
      'set "listeners" with an SSL inter-broker listener and a SASL_SSL one for clients ' +
      '(README "Security")');
  }
  const names = list.map((l) => l.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw configError(`config listeners: ${twice} is listed twice`);
  const inter = interBrokerListener(list, config.interBrokerListenerName);
  if (inter === undefined) {
    throw configError(`config inter.broker.listener.name: ${config.interBrokerListenerName ?? ''}` +
      ` is not one of the listeners (${names.join(', ')})`);
  }
  if (inter.securityProtocol === 'SASL_PLAINTEXT' || inter.securityProtocol === 'SASL_SSL') {
    throw configError(`config inter.broker.listener.name: ${inter.name} uses ` +
      `${inter.securityProtocol}; nodes prove who they are with certificates: make the ` +
      'inter-broker listener SSL (mutual TLS, e.g. "BROKER:SSL" in ' +
      'listener.security.protocol.map) and put SASL clients on another listener');
  }
  if (inter.securityProtocol === 'SSL' && config.ssl?.truststoreLocation === undefined &&
    config.ssl !== undefined) {
    throw configError('config ssl.truststore.location: the SSL inter-broker listener ' +
      `${inter.name} checks each node's certificate against it; set it to the cluster CA's ` +
      'PEM file (pado security init makes one)');
  }
  if (config.authorizer !== undefined && inter.securityProtocol !== 'SSL') {
    throw configError(`config authorizer.class.name: ACLs protect nothing while the inter-broker ` +
      `listener ${inter.name} is ${inter.securityProtocol} (anyone reaching it acts as a node); ` +
      'make it SSL (mutual TLS between nodes)');
  }
  const tls = list.find((l) => usesTls(l.securityProtocol));
  if (tls !== undefined && config.ssl === undefined) {
    throw configError(`config ssl.keystore.location: listener ${tls.name} uses ` +
      `${tls.securityProtocol} and needs a certificate; set "ssl.keystore.location" to a PEM ` +
      'file with the key and certificate (pado security init makes one)');
  }
}

/** PLAIN sends the password itself: only inside TLS unless the operator insists. */
export function plainInTheClear(config: NodeConfig): string[] {
  if (!config.saslEnabledMechanisms.includes('PLAIN')) return [];
  return (config.listeners ?? []).filter((l) => usesSasl(l.securityProtocol) &&
    !usesTls(l.securityProtocol)).map((l) => l.name);
}

/** Parses a config file's text; says where the JSON is broken, and maps Kafka-style keys. */
export function parseConfigFile(text: string, path: string): Layer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw configError(`config file ${path}: not valid JSON ${jsonErrorWhere(text, e)}; ` +
      'the file must be one JSON object, e.g. { "listen": "127.0.0.1:9092" }', e);
  }
  if (!isPlainObject(value)) {
    throw configError(`config file ${path}: top level is ${describeValue(value)}, not an ` +
      'object; write e.g. { "listen": "127.0.0.1:9092" }');
  }
  return normalizeFileKeys(value);
}

function jsonErrorWhere(text: string, e: unknown): string {
  const match = /position (\d+)/.exec(errorText(e));
  if (match?.[1] === undefined) return `(${errorText(e)})`;
  const position = Number(match[1]);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < position && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `at line ${line} column ${position - lineStart + 1} (${errorText(e)})`;
}

/** Kafka-style keys move to their Pado place; "host:port" strings become objects. */
function normalizeFileKeys(file: Layer): Layer {
  const out: Layer = {};
  const origin = new Map<string, string>();
  for (const [key, value] of Object.entries(file)) {
    const target = kafkaKeyAliases[key] ?? [key];
    const targetName = target.join('.');
    const earlier = origin.get(targetName);
    if (earlier !== undefined) {
      throw configError(`config ${key}: sets the same thing as "${earlier}"; keep only one`);
    }
    origin.set(targetName, key);
    const normalized = targetName === 'initialVoters' ? votersValue(value)
      : hostPortFields.has(targetName) ? hostPortValue(targetName, value)
      : listFields.has(targetName) && typeof value === 'string'
        ? value.split(',').map((v) => v.trim().toUpperCase()).filter((v) => v !== '')
      : targetName === 'superUsers' && typeof value === 'string'
        ? value.split(';').map((v) => v.trim()).filter((v) => v !== '')
      : targetName === 'authorizer' && typeof value === 'string'
        ? authorizerNames[value.trim()] ?? value
      : value;
    setPath(out, target, normalized);
  }
  return out;
}

const hostPortFields = new Set(['listen', 'advertised', 'httpListen', 'join']);

/** `"A,B"` lists in a file (Kafka's form) become arrays. */
const listFields = new Set(['saslEnabledMechanisms']);

/** Kafka's authorizer class names and ours. */
const authorizerNames: Readonly<Record<string, string>> = {
  'org.apache.kafka.metadata.authorizer.StandardAuthorizer': 'acl',
  'kafka.security.authorizer.AclAuthorizer': 'acl',
  acl: 'acl',
};

function hostPortValue(field: string, value: unknown): unknown {
  return typeof value === 'string' || typeof value === 'number'
    ? parseHostPort(String(value), field) : value;
}

/** In a file: an array of "id@host:port" strings (or objects), or one comma-separated string. */
function votersValue(value: unknown): unknown {
  if (typeof value === 'string') return parseVoters(value);
  if (!Array.isArray(value)) return value;
  return value.map((v) => (typeof v === 'string' ? parseVoter(v) : v));
}

/** `1@127.0.0.1:9092,2@127.0.0.1:9093`: the Raft group's first voters. */
export function parseVoters(text: string): RaftVoterAddress[] {
  return text.split(',').filter((part) => part.trim() !== '').map(parseVoter);
}

function parseVoter(text: string): RaftVoterAddress {
  const match = /^\s*(\d{1,10})@(.+)$/.exec(text);
  if (match === null) {
    const hint = fieldHints['initialVoters'];
    throw configError(`config initialVoters: '${text}' is not id@host:port; write e.g. ` +
      `${hint?.example ?? '1@127.0.0.1:9092'}`);
  }
  const { host, port } = parseHostPort(match[2] as string, 'initialVoters');
  return { id: Number(match[1]), host, port };
}

/** What the schema cannot say: distinct ids, and this node among them. */
function checkVoters(config: NodeConfig): void {
  const voters = config.initialVoters;
  if (voters === undefined) return;
  const ids = voters.map((v) => v.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) {
    throw configError(`config initialVoters: node ${twice} is listed twice; give each voter ` +
      'its own id');
  }
  if (config.join !== undefined) {
    throw configError('config join: a node either bootstraps a cluster with initialVoters or ' +
      'joins one with join, not both; remove one of them');
  }
  if (!ids.includes(config.nodeId)) {
    throw configError(`config initialVoters: this node (${config.nodeId}) is not in ` +
      `[${ids.join(', ')}]; list it, or set --node-id to one of them`);
  }
}

function setPath(target: Layer, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child = isPlainObject(target[head]) ? target[head] : {};
  target[head] = child;
  setPath(child, rest, value);
}

/**
 * `host:port`, `:port` or `port` (host 127.0.0.1); `[v6]:port` for IPv6 literals. The port's
 * range is left to the schema so its message is the same whatever the source.
 */
export function parseHostPort(text: string, field: string): HostPort {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(trimmed);
  const colon = trimmed.lastIndexOf(':');
  const host = bracketed?.[1] ?? (colon < 0 ? '' : trimmed.slice(0, colon));
  const portText = bracketed?.[2] ?? trimmed.slice(colon + 1);
  if (!/^\d{1,6}$/.test(portText) || (bracketed === null && host.includes(':'))) {
    const hint = fieldHints[field];
    throw configError(`config ${field}: '${text}' is not a host:port; write e.g. ` +
      `${hint?.example ?? '127.0.0.1:9092'}`);
  }
  return { host: host === '' ? defaultHost : host, port: Number(portText) };
}

/** PADO_* environment variables; numbers stay strings when not numeric so the schema names them. */
export function envLayer(env: Environment): Layer {
  const layer: Layer = {};
  const listen = env['PADO_LISTEN'];
  if (listen !== undefined) layer['listen'] = parseHostPort(listen, 'listen');
  const http = env['PADO_HTTP_LISTEN'];
  if (http !== undefined) layer['httpListen'] = parseHostPort(http, 'httpListen');
  if (env['PADO_DATA_DIR'] !== undefined) layer['dataDir'] = env['PADO_DATA_DIR'];
  if (env['PADO_NODE_ID'] !== undefined) layer['nodeId'] = numberOrText(env['PADO_NODE_ID']);
  if (env['PADO_LOG_LEVEL'] !== undefined) layer['logLevel'] = env['PADO_LOG_LEVEL'];
  const voters = env['PADO_INITIAL_VOTERS'];
  if (voters !== undefined) layer['initialVoters'] = parseVoters(voters);
  if (env['PADO_JOIN'] !== undefined) layer['join'] = parseHostPort(env['PADO_JOIN'], 'join');
  if (env['PADO_RACK'] !== undefined) layer['rack'] = env['PADO_RACK'];
  alertsLayer(layer, env['PADO_ALERT_WEBHOOK'], env['PADO_ALERT_COMMAND']);
  return layer;
}

export function flagLayer(flags: NodeConfigFlags): Layer {
  const layer: Layer = {};
  if (flags.listen !== undefined) layer['listen'] = parseHostPort(String(flags.listen), 'listen');
  if (flags.httpListen !== undefined) {
    layer['httpListen'] = parseHostPort(String(flags.httpListen), 'httpListen');
  }
  if (flags.dataDir !== undefined) layer['dataDir'] = String(flags.dataDir);
  if (flags.nodeId !== undefined) layer['nodeId'] = numberOrText(String(flags.nodeId));
  if (flags.logLevel !== undefined) layer['logLevel'] = String(flags.logLevel);
  if (flags.initialVoters !== undefined) layer['initialVoters'] = parseVoters(flags.initialVoters);
  if (flags.join !== undefined) layer['join'] = parseHostPort(flags.join, 'join');
  if (flags.rack !== undefined) layer['rack'] = String(flags.rack);
  alertsLayer(layer, flags.alertWebhook, flags.alertCommand);
  return layer;
}

function alertsLayer(layer: Layer, webhook: string | undefined, command: string | undefined): void {
  if (webhook === undefined && command === undefined) return;
  layer['alerts'] = { ...(webhook === undefined ? {} : { webhook }),
    ...(command === undefined ? {} : { command }) };
}

function numberOrText(text: string): number | string {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
}

function mergeObjects(base: Layer, over: Layer): Layer {
  const out: Layer = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    out[key] = isPlainObject(prior) && isPlainObject(value) ? mergeObjects(prior, value) : value;
  }
  return out;
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
const validateSchema = ajv.compile<NodeConfig>(nodeConfigSchema);

export function validateNodeConfig(merged: unknown): NodeConfig {
  if (validateSchema(merged)) {
    checkVoters(merged);
    checkListeners(merged);
    return merged;
  }
  const errors = validateSchema.errors ?? [];
  const lines = [...new Set(errors.map(describeSchemaError))];
  throw configError(lines.join('\n'));
}

function describeSchemaError(error: ErrorObject): string {
  const path = error.instancePath.split('/').slice(1).map(unescapePointer);
  const field = path.join('.');
  if (error.keyword === 'additionalProperties') {
    const key = String((error.params as { additionalProperty: string }).additionalProperty);
    return unknownKeyMessage(path, key, error.parentSchema);
  }
  if (error.keyword === 'required') {
    const missing = String((error.params as { missingProperty: string }).missingProperty);
    const hint = fieldHints[field];
    return `config ${field}: "${missing}" is missing` +
      (hint === undefined ? '' : `; write e.g. ${hint.example}`);
  }
  // An item of a list is described by its list's hint (saslEnabledMechanisms.0).
  const hint = fieldHints[field] ??
    fieldHints[path.filter((p) => !/^\d+$/.test(p)).join('.')];
  if (hint === undefined) return `config ${field}: ${describeValue(error.data)} ${error.message}`;
  return `config ${field}: ${describeValue(error.data)} is not ${hint.what}; ` +
    `write e.g. ${hint.example}`;
}

function unknownKeyMessage(path: readonly string[], key: string, schema: unknown): string {
  const field = [...path, key].join('.');
  const properties = (schema as { properties?: Record<string, unknown> }).properties ?? {};
  const known = Object.keys(properties);
  const candidates = path.length === 0 ? [...known, ...Object.keys(kafkaKeyAliases)] : known;
  const best = suggest(key, candidates);
  if (best !== undefined) return `config ${field}: unknown key; did you mean "${best}"?`;
  return `config ${field}: unknown key; known keys: ${known.join(', ')}`;
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isPlainObject(value: unknown): value is Layer {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function configError(message: string, cause?: unknown): PadoError {
  return new PadoError(PadoErrorCode.configInvalid, message,
    cause === undefined ? undefined : { cause });
}
