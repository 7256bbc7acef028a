/**
 * The system's Chromium for the report.html browser tests (Debian: apt-get install chromium;
 * .ci/run installs it), driven by playwright-core. Without one those tests are skipped with the
 * reason printed.
 */
import { existsSync } from 'node:fs';

export const CHROMIUM = [process.env.HIGHWAY_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find(
  (p): p is string => !!p && existsSync(p),
);
if (!CHROMIUM) console.warn('report.html browser tests skipped: no Chromium found (apt-get install chromium, or set HIGHWAY_CHROMIUM)');
