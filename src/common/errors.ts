/**
 * Operating errors: a stable code, a message that says what happened, to what, and what to do.
 * Client-visible errors are Kafka error codes (protocol/errors.ts), never these across a handler.
 */
export const PadoErrorCode = {
  configInvalid: 'PADO_CONFIG_INVALID',
  diskFull: 'PADO_DISK_FULL',
  storageCorrupt: 'PADO_STORAGE_CORRUPT',
  storageIo: 'PADO_STORAGE_IO',
  protocolDecode: 'PADO_PROTOCOL_DECODE',
  notFound: 'PADO_NOT_FOUND',
  invalidArgument: 'PADO_INVALID_ARGUMENT',
  connection: 'PADO_CONNECTION',
  timeout: 'PADO_TIMEOUT',
  notController: 'PADO_NOT_CONTROLLER',
  /** A producer gave up on records: the broker refused them or did not confirm them in time. */
  notAcknowledged: 'PADO_NOT_ACKNOWLEDGED',
} as const;
export type PadoErrorCode = (typeof PadoErrorCode)[keyof typeof PadoErrorCode];

export class PadoError extends Error {
  override name = 'PadoError';
  readonly code: PadoErrorCode;
  constructor(code: PadoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isPadoError(e: unknown, code?: PadoErrorCode): e is PadoError {
  return e instanceof PadoError && (code === undefined || e.code === code);
}
