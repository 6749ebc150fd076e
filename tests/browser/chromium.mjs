// Headless Chromium for the browser tests: Debian's package, $CHROMIUM or /usr/bin/chromium (a
// test tool's own browser download can't work here). Where BROWSER_WS_ENDPOINT is set (the `node`
// fixture of tests/conftest.py starts tests/browser/server.mjs once per run) a script connects to
// that browser instead of starting its own, which saves about a second per test.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function options(timeout) {
  return { executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, timeout };
}

// The shared browser if there is one, else a new one; close() on either ends this script's part.
export function openBrowser(chromium, timeout) {
  const endpoint = process.env.BROWSER_WS_ENDPOINT;
  return endpoint ? chromium.connect(endpoint, { timeout }) : chromium.launch(options(timeout));
}

export function serveBrowser(chromium, timeout) {
  return chromium.launchServer(options(timeout));
}
