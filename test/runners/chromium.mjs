// Headless Debian Chromium through playwright-core, launched one way for every runner that needs a real page
// (browser.mjs: the conformance suite; report.mjs: the evaluation report; serve.mjs: the browser example).
// Flags from ../shared/notes/runtimes.md §2: without the background-networking ones Chromium's connections are refused
// by this machine's closed network, many at a time; root needs --no-sandbox.
import { existsSync } from 'node:fs';

export const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const INSTALL_HINT = 'install it with `apt-get install -y --no-install-recommends chromium` (Debian), or set CHROMIUM_PATH';

/** Chromium cannot be had here (not installed, playwright-core missing, or the launch failed); `message` says which. */
export class ChromiumUnavailable extends Error {}

/**
 * A persistent context in a fresh `userDataDir` (Playwright refuses --user-data-dir in args). `webgpu` adds
 * --enable-unsafe-webgpu (Chromium's SwiftShader adapter); `viewport` sets the page size for screenshots.
 */
export async function launchChromium(userDataDir, { webgpu = false, viewport } = {}) {
  if (!existsSync(executablePath)) throw new ChromiumUnavailable(`${executablePath} not found`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (e) {
    throw new ChromiumUnavailable(`playwright-core is not installed (${e.message}); run \`npm install\``);
  }
  try {
    return await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      timeout: 60_000,
      ...(viewport ? { viewport } : {}),
      args: [
        '--no-sandbox',
        ...(webgpu ? ['--enable-unsafe-webgpu'] : []),
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  } catch (e) {
    throw new ChromiumUnavailable(`launching ${executablePath} failed: ${String(e.message).split('\n')[0]}`);
  }
}
