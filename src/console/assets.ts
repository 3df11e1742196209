/**
 * The console's files: its own page, script modules and style sheet (`src/console/web/`, served
 * as they are: no build step), and Preact and htm from the installed packages. A fixed table of
 * URL → file: nothing else under /console is read, so no path from a request reaches the disk.
 */

/** A file the node's I/O reads for the console (node/io/system-console.ts). */
export type AssetFile =
  | { readonly from: 'console'; readonly name: string }
  | { readonly from: 'package'; readonly specifier: string };

export type ReadAsset = (file: AssetFile) => Promise<Buffer>;

export interface Asset {
  readonly file: AssetFile;
  readonly contentType: string;
}

const js = 'text/javascript; charset=utf-8';
const own = (name: string, contentType: string): Asset => ({ file: { from: 'console', name },
  contentType });
const pkg = (specifier: string): Asset => ({ file: { from: 'package', specifier },
  contentType: js });

export const assets: ReadonlyMap<string, Asset> = new Map([
  ['/console/', own('index.html', 'text/html; charset=utf-8')],
  ['/console/app.js', own('app.js', js)],
  ['/console/pages.js', own('pages.js', js)],
  ['/console/lib.js', own('lib.js', js)],
  ['/console/style.css', own('style.css', 'text/css; charset=utf-8')],
  ['/console/vendor/preact.mjs', pkg('preact')],
  ['/console/vendor/preact-hooks.mjs', pkg('preact/hooks')],
  ['/console/vendor/htm.mjs', pkg('htm')],
]);

/**
 * SHA-256 (base64) of the import map inlined in index.html, which names Preact's and htm's files
 * for the bare imports in the modules; the Content-Security-Policy allows that one inline script
 * and no other. A unit test recomputes it from the file.
 */
export const importMapSha256 = '1jG+PqOE38lG47Wio78v7yoRAkJMQDMhK4Fi4/eE2Ys=';

/** Scripts from this origin only (and the import map), no plug-ins, no framing, no form posts. */
export const contentSecurityPolicy = "default-src 'self'; " +
  `script-src 'self' 'sha256-${importMapSha256}'; style-src 'self'; img-src 'self' data:; ` +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; " +
  "frame-ancestors 'none'";
