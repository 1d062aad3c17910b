// Drives the WeirMQ dashboard in a real headless Chromium, as an operator would: log in, declare a
// queue, publish from the UI, watch the count change, peek the message, bind it to an exchange and
// publish there, delete the queue.
// Screenshots of each step go to the directory given; any failed step, page error or console error
// fails the run (exit code 1), naming the step.
//
// usage: node dashboard.mjs <broker base URL> <screenshot dir>   (CHROMIUM=/path overrides /usr/bin/chromium)
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node dashboard.mjs <broker base URL> <screenshot dir>');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const TIMEOUT = 15000;
const queue = 'dashboard-test-' + Date.now();
const body = 'hello from the dashboard "quoted" <b>not bold</b>';

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const problems = [];
let step = 'start';
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(TIMEOUT);
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  page.on('console', m => { if (m.type() === 'error') problems.push('console error: ' + m.text()); });
  page.on('dialog', d => d.accept()); // the purge and delete confirmations
  const shot = name => page.screenshot({ path: join(shots, name + '.png'), fullPage: true });

  step = 'a wrong password is refused on the dashboard\'s own form';
  await page.goto(base + '/');
  await page.fill('input[name=username]', 'guest');
  await page.fill('input[name=password]', 'not the password');
  await page.click('button[type=submit]');
  await page.waitForFunction(() => /Login refused/.test(document.querySelector('.login p')?.textContent || ''));
  // Chromium logs the refused login's 401 as a console error: expected here, and only here.
  const expected401 = problems.filter(p => p.includes('status of 401'));
  if (expected401.length !== problems.length) throw new Error(problems.join('; '));
  problems.length = 0;

  step = 'log in';
  await page.fill('input[name=username]', 'guest');
  await page.fill('input[name=password]', 'guest');
  await page.click('button[type=submit]');
  await page.waitForSelector('#nav:not([hidden])');
  await page.waitForFunction(() => /\d/.test(document.getElementById('total-queues')?.textContent || ''));
  await page.waitForFunction(() => window.Chart && document.querySelectorAll('canvas').length === 2);
  await shot('01-overview');

  step = 'declare a queue';
  await page.click('#nav a[data-page=queues]');
  await page.fill('#add-queue input[name=name]', queue);
  await page.click('#add-queue button[type=submit]');
  const row = page.locator('#queues tbody tr', { hasText: queue });
  await row.waitFor();
  await shot('02-queue-declared');

  step = 'open the queue';
  await row.click();
  await page.waitForFunction(() => document.getElementById('q-total')?.textContent === '0');

  step = 'publish from the UI';
  await page.fill('#publish textarea[name=payload]', body);
  await page.click('#publish button[type=submit]');
  await page.waitForFunction(() => document.getElementById('q-total')?.textContent === '1');
  await page.waitForFunction(() => document.getElementById('q-ready')?.textContent === '1');
  await shot('03-published');

  step = 'the queue page shows its leader';
  const auth = { headers: { Authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64') } };
  const leader = (await (await fetch(base + '/api/queues/%2F/' + encodeURIComponent(queue), auth)).json()).node;
  if (!leader) throw new Error('the queue view has no leader node');
  await page.waitForFunction(node => (document.getElementById('q-leader')?.textContent || '').includes(node), leader);
  await page.locator('#q-mirrors li', { hasText: 'No mirrors.' }).waitFor(); // one node: no mirrors

  step = 'peek the message';
  await page.selectOption('#get select[name=ackmode]', 'ack_requeue_true');
  await page.click('#get button[type=submit]');
  const message = page.locator('#got-messages pre');
  await message.waitFor();
  const text = await message.textContent();
  if (text !== body) throw new Error('peeked "' + text + '", published "' + body + '"');
  if (await page.locator('#got-messages b').count() !== 0) throw new Error('the body was rendered as HTML');
  // A peek puts the message back: the broker still holds one (asked directly, not through the page's poll).
  const after = await (await fetch(base + '/api/queues/%2F/' + encodeURIComponent(queue),
    { headers: { Authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64') } })).json();
  if (after.messages !== 1) throw new Error('after a peek the queue holds ' + after.messages + ' messages, not 1');
  await shot('04-peeked');

  step = 'bind the queue to amq.fanout and publish there';
  await page.fill('#bind input[name=source]', 'amq.fanout');
  await page.click('#bind button[type=submit]');
  await page.locator('table tbody tr', { hasText: 'amq.fanout' }).waitFor();
  await page.goto(base + '/#/exchanges/%2F/amq.fanout');
  await page.locator('table tbody tr', { hasText: queue }).waitFor();
  await page.fill('#publish textarea[name=payload]', 'through the fanout');
  await page.click('#publish button[type=submit]');
  await page.waitForFunction(() => document.getElementById('flash')?.textContent === 'Message published.');
  await shot('05-exchange-published');
  await page.goto(base + '/#/queues/%2F/' + encodeURIComponent(queue));
  await page.waitForFunction(() => document.getElementById('q-total')?.textContent === '2');

  step = 'the nodes page lists the node, and the node page the queue it leads';
  const nodes = await (await fetch(base + '/api/nodes', auth)).json();
  if (nodes.length !== 1 || nodes[0].name !== leader || !nodes[0].running || nodes[0].queues_led < 1) {
    throw new Error('GET /api/nodes: ' + JSON.stringify(nodes));
  }
  await page.click('#nav a[data-page=nodes]');
  const nodeRow = page.locator('#nodes tbody tr', { hasText: leader });
  await nodeRow.waitFor();
  await shot('06-nodes');
  await nodeRow.click();
  await page.locator('#node-leads tbody tr', { hasText: queue }).waitFor();
  await shot('07-node');
  await page.goto(base + '/#/queues/%2F/' + encodeURIComponent(queue));
  await page.waitForFunction(() => document.getElementById('q-total')?.textContent === '2');

  step = 'delete the queue';
  await page.click('#delete');
  await page.waitForFunction(() => location.hash === '#/queues');
  await page.waitForFunction(name => {
    const cells = [...document.querySelectorAll('#queues tbody td')];
    return cells.length > 0 && !cells.some(td => td.textContent === name);
  }, queue);
  // Asked from here, not from the page: an expected 404 there would be logged as a console error.
  const gone = (await fetch(base + '/api/queues/%2F/' + encodeURIComponent(queue),
    { headers: { Authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64') } })).status;
  if (gone !== 404) throw new Error('the deleted queue answers ' + gone + ', not 404');
  await shot('08-deleted');

  step = 'check the page reported no errors';
  if (problems.length > 0) throw new Error(problems.join('; '));
  console.log('dashboard test passed: ' + queue + '; screenshots in ' + shots);
} catch (e) {
  console.error('dashboard test failed at step "' + step + '": ' + e.message);
  if (problems.length > 0) console.error('page problems: ' + problems.join('; '));
  process.exitCode = 1;
} finally {
  await browser.close();
}
