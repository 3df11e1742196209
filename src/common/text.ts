/**
 * Text from peers and clients on its way to a person's terminal (event messages, `pado cluster
 * events`): C0 and C1 control characters blanked, so no escape sequence drives the terminal.
 */
export function blankControlCharacters(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}
