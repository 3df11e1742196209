/** Splits a byte stream into lines ('\n' or '\r\n'), holding at most one partial line. */
import { StringDecoder } from 'node:string_decoder';
import { argumentError } from './args.js';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly lineLengthMax: number;

  constructor(lineLengthMax: number) {
    this.lineLengthMax = lineLengthMax;
  }

  /** Whole lines completed by this chunk. */
  push(chunk: Buffer | string): string[] {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > this.lineLengthMax) {
      throw argumentError(`a line is longer than ${this.lineLengthMax} characters; ` +
        'split the input into smaller records');
    }
    return lines.map(stripCarriageReturn);
  }

  /** The last line when the input did not end with a newline, else null. */
  end(): string | null {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest === '' ? null : stripCarriageReturn(rest);
  }
}

function stripCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** The first line of a stream (a password piped in), or undefined when it is empty. */
export async function readLine(input: AsyncIterable<Buffer | string>,
  lineLengthMax = 1024): Promise<string | undefined> {
  const splitter = new LineSplitter(lineLengthMax);
  for await (const chunk of input) {
    const lines = splitter.push(chunk);
    if (lines.length > 0) return lines[0];
  }
  return splitter.end() ?? undefined;
}
