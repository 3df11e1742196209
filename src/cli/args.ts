/**
 * Turning parsed option values (strings, numbers or arrays, as mri hands them over) into typed
 * arguments. Every failure is a PadoError('PADO_INVALID_ARGUMENT') naming the flag, the value and
 * what to write instead.
 */
import { PadoError, PadoErrorCode } from '../common/index.js';
import { parseHostPort, type HostPort } from '../config/index.js';

export type RawOptions = Readonly<Record<string, unknown>>;

export function argumentError(message: string): PadoError {
  return new PadoError(PadoErrorCode.invalidArgument, message);
}

export const defaultBootstrap = '127.0.0.1:9092';

/** Brokers to try in turn until one answers; never empty, no address twice. */
export type Bootstrap = readonly HostPort[];

/** More addresses than any cluster needs to be found: a typo, not a cluster. */
export const bootstrapAddressesMax = 64;

/**
 * --bootstrap, else PADO_BOOTSTRAP, else 127.0.0.1:9092: one host:port or a comma-separated list
 * (what `pado dev` prints; a repeated flag adds to it), tried in turn until one answers.
 */
export function parseBootstrap(
  options: RawOptions, env: Readonly<Record<string, string | undefined>>,
): Bootstrap {
  const given = options['bootstrap'] ?? options['bootstrapServer'] ?? env['PADO_BOOTSTRAP'] ?? defaultBootstrap;
  // A repeated --bootstrap adds to the list.
  const raw = Array.isArray(given) ? given.map(String).join(',') : String(given);
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.length > bootstrapAddressesMax) {
    throw argumentError(`--bootstrap: ${parts.length} addresses; give at most ` +
      `${bootstrapAddressesMax} (any one live broker is enough)`);
  }
  const out: HostPort[] = [];
  for (const [i, part] of parts.entries()) {
    const address = bootstrapAddress(part, parts.length === 1 ? '' : ` (address ${i + 1} of ` +
      `${parts.length})`);
    if (!out.some((a) => a.host === address.host && a.port === address.port)) out.push(address);
  }
  return out;
}

function bootstrapAddress(text: string, where: string): HostPort {
  try {
    const address = parseHostPort(text, 'bootstrap');
    if (address.port < 1 || address.port > 65535) throw new Error('port');
    return address;
  } catch {
    const example = where === '' ? '127.0.0.1:9092' : '127.0.0.1:9092,127.0.0.1:9093';
    throw argumentError(`--bootstrap: '${text}'${where} is not a host:port; ` +
      `write e.g. --bootstrap ${example}`);
  }
}

/** Bootstrap addresses as typed: host:port,host:port. */
export function formatBootstrap(bootstrap: Bootstrap): string {
  return bootstrap.map((a) => `${a.host}:${a.port}`).join(',');
}

/** An integer option within [min, max]; `undefined` when absent. */
export function intOption(
  options: RawOptions, name: string, flag: string, min: number, max: number, example: string,
): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  const value = last(raw);
  const text = String(value).trim();
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw argumentError(`${flag}: '${String(value)}' is not an integer in ${min}–${max}; ` +
      `write e.g. ${example}`);
  }
  return n;
}

export function stringOption(options: RawOptions, name: string): string | undefined {
  const raw = options[name];
  return raw === undefined || typeof raw === 'boolean' ? undefined : String(last(raw));
}

export function choiceOption<T extends string>(
  options: RawOptions, name: string, flag: string, choices: readonly T[], fallback: T,
): T {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const text = String(last(raw));
  const found = choices.find((c) => c === text);
  if (found === undefined) {
    throw argumentError(`${flag}: '${text}' is not one of ${choices.join(', ')}; ` +
      `write e.g. ${flag} ${fallback}`);
  }
  return found;
}

/** Repeatable `-c key=value` (or `--set key=value`): an array, one value, or absent. */
export function keyValueOption(
  options: RawOptions, name: string, flag: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of listOption(options, name)) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw argumentError(`${flag}: '${item}' is not key=value; ` +
        `write e.g. ${flag} retention.ms=86400000`);
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** A repeatable option as a list of strings; booleans (flag without value) are refused. */
export function listOption(options: RawOptions, name: string): string[] {
  const raw = options[name];
  if (raw === undefined) return [];
  const items = Array.isArray(raw) ? raw : [raw];
  return items.map((item) => {
    if (typeof item === 'boolean') throw argumentError(`--${name}: a value is missing`);
    return String(item);
  });
}

export function booleanOption(options: RawOptions, name: string): boolean {
  return options[name] === true;
}

/** mri turns a repeated single-valued flag into an array: the last one wins, as in most CLIs. */
function last(value: unknown): unknown {
  return Array.isArray(value) ? value[value.length - 1] : value;
}
