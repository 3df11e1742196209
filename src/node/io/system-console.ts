/**
 * The web console's files on this machine (console/assets.ts names them): the console's own page
 * and modules from the package's `src/console/web/`, Preact's and htm's ES modules from where
 * Node resolves those packages. Only names from the console's fixed table arrive here.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ReadAsset } from '../../console/index.js';

// From dist/src/node/io/ up to the package root.
const webDir = new URL('../../../../src/console/web/', import.meta.url);

export const readSystemConsoleAsset: ReadAsset = async (file) => {
  if (file.from === 'console') {
    if (!/^[a-z][a-z0-9-]*\.[a-z]+$/.test(file.name)) throw new Error(`bad asset ${file.name}`);
    return readFile(new URL(file.name, webDir));
  }
  return readFile(fileURLToPath(import.meta.resolve(file.specifier)));
};
