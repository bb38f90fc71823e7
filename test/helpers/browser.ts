import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's package: CI installs it (`.ci/run`); playwright's own browser builds cannot be fetched here. */
export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('test-artifacts');
const AXE = path.join(path.dirname(createRequire(import.meta.url).resolve('axe-core')), 'axe.min.js');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Chromium {
  context: BrowserContext;
  page: Page;
  /** CSP reports the page printed: pages must run under their own policy without one. */
  cspViolations: string[];
  close(): Promise<void>;
}

/**
 * One headless Chromium for a test file, in a throw-away profile. `bypassCSP` is for axe's
 * injected script only; each page's CSP is asserted by its render tests.
 */
export async function openChromium(options: { bypassCSP?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`No Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium fonts-wqy-zenhei), as CI does.`);
  }
  await fs.mkdir(ARTIFACTS, { recursive: true });
  const userDataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'gongkai-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'zh-CN',
    args: ARGS,
    ...(options.bypassCSP ? { bypassCSP: true } : {}),
    ...(options.viewport ? { viewport: options.viewport } : {}),
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return {
    context,
    page,
    cspViolations,
    async close() {
      await context.close();
      await fs.rm(userDataDir, { recursive: true, force: true });
    },
  };
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** axe-core in the page: its serious and critical findings, one line each (WCAG 2.1 A/AA rules unless `allRules`). */
export async function axeProblems(page: Page, options: { allRules?: boolean } = {}): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const run = options.allRules
    ? "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)"
    : "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)";
  const violations = (await page.evaluate(run)) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}
