import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { createDeployment, startTestApp, TestApp } from '../support/app';
import { AuthTestApp, startAuthTestApp } from '../support/auth';
import { listenOnLoopback } from '../support/sse';

/** Debian's package; `.ci/run` installs it when missing. No browser is ever downloaded. */
const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = join(__dirname, '../../test-output/demo-page');

const BEHAVIORS = {
  '1': { type: 'group_assignment', config: { grouping_method: 'homogeneous', group_size: 2 } },
  '2': { type: 'test_sleep', config: { duration_ms: 30_000 } },
};

/**
 * Records every figure the progress label shows, in the page itself, so a fast run's short-lived
 * values are not missed between two looks from the test. Kept on the body as a data attribute.
 */
const RECORD_PROGRESS = `(() => {
  const label = document.getElementById('progress-text');
  document.body.dataset.seen = '';
  new MutationObserver(() => {
    document.body.dataset.seen += label.textContent + ' ';
  }).observe(label, { childList: true, characterData: true, subtree: true });
})()`;

async function progressSeen(page: Page): Promise<number[]> {
  const raw = (await page.locator('body').getAttribute('data-seen')) ?? '';
  return raw
    .split(' ')
    .filter((s) => s.endsWith('%'))
    .map((s) => Number(s.slice(0, -1)));
}

async function choose(page: Page, deploymentId: string, behaviorNumber: string): Promise<void> {
  await page.locator(`#deployment option[value="${deploymentId}"]`).waitFor({ state: 'attached' });
  await page.selectOption('#deployment', deploymentId);
  // The page marks the list with the deployment it belongs to once it has arrived.
  await page.locator(`#behavior[data-deployment="${deploymentId}"]`).waitFor({ state: 'attached' });
  await page.selectOption('#behavior', behaviorNumber);
}

describe('The demo page in headless Chromium', () => {
  let t: TestApp;
  let url: string;
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does it)`);
    mkdirSync(OUTPUT, { recursive: true });
    t = await startTestApp({ CANCEL_GRACE_MS: '500' });
    url = await listenOnLoopback(t.app);
    // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('triggers group assignment, shows the progress moving and then the groups', async () => {
    const d = await createDeployment(t, BEHAVIORS);
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    await page.goto(url);
    await choose(page, d, '1');
    await page.evaluate(RECORD_PROGRESS);
    await page.click('#trigger');
    await page.locator('#state', { hasText: 'SUCCESS' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(OUTPUT, 'group-assignment-success.png'), fullPage: true });

    expect(await page.locator('#transport').textContent()).toBe('(live events)');
    const seen = await progressSeen(page);
    // It moved: from the start through the run's stages to 100, never backwards.
    expect(seen.at(-1)).toBe(100);
    expect(new Set(seen).size).toBeGreaterThanOrEqual(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(await page.locator('#stage-text').textContent()).toContain('completed');
    // Eight students in pairs: four groups, every student shown once.
    const groups = page.locator('#result .group');
    expect(await groups.count()).toBe(4);
    const text = (await page.locator('#result').textContent()) ?? '';
    for (const name of ['ana@school.edu', 'ben@school.edu', 'gus@school.edu', 'hal@school.edu'])
      expect(text).toContain(name);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the themes of a theme creation', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'theme_creator', config: { num_themes: 3 } },
    });
    const page = await browser.newPage();
    await page.goto(url);
    await choose(page, d, '1');
    await page.click('#trigger');
    await page.locator('#state', { hasText: 'SUCCESS' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(OUTPUT, 'theme-creation-success.png'), fullPage: true });
    const polled = await t.http.get(
      `/api/page-deployments/${d}/behaviors/tasks/${await page.locator('#task-id').textContent()}`,
    );
    const themes = (polled.body.result as { themes: { title: string }[] }).themes;
    expect(await page.locator('#result .theme').count()).toBe(themes.length);
    expect(await page.locator('#result .theme h3').allTextContents()).toEqual(
      themes.map((th) => th.title),
    );
    await page.close();
  });

  it('cancels a running task and shows the cancelled state', async () => {
    const d = await createDeployment(t, BEHAVIORS);
    const page = await browser.newPage();
    await page.goto(url);
    await choose(page, d, '2');
    await page.click('#trigger');
    await page.locator('#state', { hasText: 'PROGRESS' }).waitFor({ timeout: 15_000 });
    await page.locator('#stage-text', { hasText: 'Sleeping' }).waitFor({ timeout: 15_000 });
    await page.click('#cancel');
    await page.locator('#state', { hasText: 'FAILURE' }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(OUTPUT, 'cancelled.png'), fullPage: true });

    expect(await page.locator('#stage-text').textContent()).toContain('cancelled');
    expect(await page.locator('#error').isVisible()).toBe(true);
    expect(await page.locator('#error').textContent()).toContain('Cancelled');
    expect(await page.locator('#message').textContent()).toContain('has been cancelled');
    expect(await page.locator('#cancel').isDisabled()).toBe(true);
    const polled = await t.http.get(
      `/api/page-deployments/${d}/behaviors/tasks/${await page.locator('#task-id').textContent()}`,
    );
    expect(polled.body).toMatchObject({ state: 'FAILURE', stage: 'cancelled' });
    await page.close();
  });

  it('falls back to polling every 2 s when the event stream is unavailable', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'test_sleep', config: { duration_ms: 2_500 } },
    });
    const page = await browser.newPage();
    // As behind a proxy that refuses streams: the events route never answers.
    await page.route('**/events', (route) => route.abort());
    await page.goto(url);
    await choose(page, d, '1');
    await page.evaluate(RECORD_PROGRESS);
    await page.click('#trigger');
    await page.locator('#state', { hasText: 'SUCCESS' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#transport').textContent()).toBe('(polling every 2 s)');
    // A 2.5 s run polled every 2 s: a figure on the way, then 100.
    const seen = await progressSeen(page);
    expect(seen.at(-1)).toBe(100);
    expect(seen.some((p) => p > 0 && p < 100)).toBe(true);
    await page.close();
  });

  it('keeps Swagger UI working next to the page', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/api/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('body').textContent()).toContain('Follow task status');
    await page.close();
  });

  it('shows the error of a failed task', async () => {
    const d = await createDeployment(t, {
      '1': { type: 'test_sleep', config: { duration_ms: 200, fail_with: 'No answers to group' } },
    });
    const page = await browser.newPage();
    await page.goto(url);
    await choose(page, d, '1');
    await page.click('#trigger');
    await page.locator('#state', { hasText: 'FAILURE' }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(OUTPUT, 'failure.png'), fullPage: true });
    expect(await page.locator('#error').textContent()).toContain('No answers to group');
    expect(await page.locator('#result').textContent()).toBe('');
    await page.close();
  });
});

describe('The demo page with access control on', () => {
  let t: AuthTestApp;
  let url: string;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    t = await startAuthTestApp();
    url = await listenOnLoopback(t.app);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('is public itself, needs the token for data, and follows a task with it', async () => {
    const admin = await t.token({ sub: 'admin-1', role: 'admin' });
    const created = await t
      .as(admin)
      .post('/api/page-deployments')
      .send({ title: 'Locked class', behaviors: BEHAVIORS })
      .expect(201);
    const d = (created.body as { id: string }).id;
    await t
      .as(admin)
      .put(`/api/page-deployments/${d}/submissions`)
      .send({
        submissions: [
          { name: 'a@school.edu', text: 'Solar power for every roof.' },
          { name: 'b@school.edu', text: 'Wind farms along the coast.' },
          { name: 'c@school.edu', text: 'Buses and bikes in cities.' },
          { name: 'd@school.edu', text: 'Cycling lanes make cities cleaner.' },
        ],
      })
      .expect(200);
    const page = await browser.newPage();
    await page.goto(url);
    // Without a token the page loads but the list is refused.
    await page.locator('#message', { hasText: '401' }).waitFor({ timeout: 10_000 });
    await page.fill('#token', admin);
    await page.click('#save-token');
    await choose(page, d, '1');
    await page.click('#trigger');
    await page.locator('#state', { hasText: 'SUCCESS' }).waitFor({ timeout: 30_000 });
    expect(await page.locator('#transport').textContent()).toBe('(live events)');
    expect(await page.locator('#result .group').count()).toBe(2);
    await page.screenshot({ path: join(OUTPUT, 'with-token-success.png'), fullPage: true });
    await page.close();
  });
});
