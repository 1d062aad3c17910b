// Drives the WeirMQ dashboard in a real headless Chromium, as an operator would: log in, declare a
// queue, publish from the UI, watch the count change, peek the message, bind it to an exchange and
// publish there, cap it with a policy (max-length 1) and see it trimmed, delete the policy, delete
// the queue; see a client's connection listed and close it with a reason; add a user, give it
// permissions and delete it on the admin page.
// Screenshots of each step go to the directory given; any failed step, page error or console error
// fails the run (exit code 1), naming the step.
//
// usage: node dashboard.mjs <broker base URL> <screenshot dir>   (CHROMIUM=/path overrides /usr/bin/chromium)
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { randomBytes } from 'node:crypto';

const [base, shots] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node dashboard.mjs <broker base URL> <screenshot dir>');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const TIMEOUT = 15000;
const queue = 'dashboard-test-' + Date.now();
const body = 'hello from the dashboard "quoted" <b>not bold</b>';
const policy = 'dashboard-cap-' + Date.now();
const apiGet = async path => (await fetch(base + path, { headers: AUTH }));

const GUEST = { headers: { Authorization: 'Basic ' + Buffer.from('guest:guest').toString('base64') } };
const AUTH = GUEST.headers;

/**
 * A client connection as any WebSocket client makes one (Node 20 has no WebSocket client built in):
 * the upgrade by hand, then the socket held open. The server's frames are unmasked JSON text, kept as
 * they come for the test to look into.
 */
function openClientConnection(name) {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = http.request({
      host: u.hostname, port: u.port, path: '/ws?connection_name=' + encodeURIComponent(name),
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'), ...GUEST.headers,
      },
    });
    req.on('upgrade', (res, socket, head) => {
      let received = head.toString('utf8');
      socket.on('data', d => { received += d.toString('utf8'); });
      socket.on('error', () => {});
      // A client's frames are masked (RFC 6455): one text frame per call.
      const send = frame => {
        const payload = Buffer.from(JSON.stringify(frame), 'utf8');
        const mask = randomBytes(4);
        const header = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length])
          : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
        socket.write(Buffer.concat([header, mask, payload.map((b, i) => b ^ mask[i % 4])]));
      };
      resolve({ localPort: socket.localPort, received: () => received, send, destroy: () => socket.destroy() });
    });
    req.on('response', res => reject(new Error('the upgrade was refused: ' + res.statusCode)));
    req.on('error', reject);
    req.end();
  });
}

async function until(what, condition) {
  const deadline = Date.now() + TIMEOUT;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await new Promise(r => setTimeout(r, 100));
  }
}

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
  let promptAnswer = '';
  // The purge and delete confirmations, and the close's reason prompt.
  page.on('dialog', d => (d.type() === 'prompt' ? d.accept(promptAnswer) : d.accept()));
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
  // Use the form once the page has listed its queues (a row, or "None."). In one clean-clone CI run
  // under load the declared queue never appeared and only the overview's screenshot was taken; the
  // cause is not established (a form filled before the page's last render would lose the name).
  await page.locator('#queues tbody tr').first().waitFor();
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
  const leader = (await (await fetch(base + '/api/queues/%2F/' + encodeURIComponent(queue), GUEST)).json()).node;
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
  const nodes = await (await fetch(base + '/api/nodes', GUEST)).json();
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

  step = 'a third message, published through the API';
  const published = await fetch(base + '/api/exchanges/%2F/amq.default/publish', {
    method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/json' },
    body: JSON.stringify({ routing_key: queue, payload: 'third', payload_encoding: 'string', properties: {} }),
  });
  if (published.status !== 200) throw new Error('publishing the third message answered ' + published.status);
  await page.waitForFunction(() => document.getElementById('q-total')?.textContent === '3');

  step = 'a definition that is not JSON is refused on the policies page';
  await page.click('#nav a[data-page=policies]');
  await page.locator('#policies').waitFor();
  await page.fill('#add-policy input[name=name]', policy);
  await page.fill('#add-policy input[name=pattern]', '^' + queue + '$');
  await page.selectOption('#add-policy select[name=apply-to]', 'queues');
  await page.fill('#add-policy textarea[name=definition]', '{max-length: 1}');
  await page.click('#add-policy button[type=submit]');
  await page.waitForFunction(() => /Definition: not valid JSON/.test(document.getElementById('flash')?.textContent || ''));

  step = 'add a policy with max-length 1';
  await page.fill('#add-policy textarea[name=definition]', '{"max-length": 1}');
  await page.click('#add-policy button[type=submit]');
  await page.locator('#policies tbody tr', { hasText: policy }).waitFor();
  // The broker trims the queue to the policy's limit at once: asked of the API, not of the page.
  const capped = await (await apiGet('/api/queues/%2F/' + encodeURIComponent(queue))).json();
  if (capped.messages !== 1) throw new Error('under max-length 1 the queue holds ' + capped.messages + ' messages');
  if (capped.policy !== policy) throw new Error('the queue shows policy ' + capped.policy + ', not ' + policy);
  await shot('06-policy-added');

  step = 'delete the policy';
  await page.click('#policies button[data-policy="' + policy + '"]');
  await page.waitForFunction(name => ![...document.querySelectorAll('#policies tbody td')]
    .some(td => td.textContent === name), policy);
  const policyGone = (await apiGet('/api/policies/%2F/' + encodeURIComponent(policy))).status;
  if (policyGone !== 404) throw new Error('the deleted policy answers ' + policyGone + ', not 404');
  await shot('07-policy-deleted');
  await page.goto(base + '/#/queues/%2F/' + encodeURIComponent(queue));
  await page.waitForFunction(() => document.getElementById('q-total')?.textContent === '1');
  await page.waitForFunction(() => /policy: none/.test(document.getElementById('q-properties')?.textContent || ''));

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

  step = 'the connections page lists a client connection';
  const client = await openClientConnection('dashboard-test-client');
  const connection = '127.0.0.1:' + client.localPort + ' -> ' + new URL(base).hostname + ':' + new URL(base).port;
  try {
    await page.click('#nav a[data-page=connections]');
    const connectionRow = page.locator('#connections tbody tr', { hasText: connection });
    await connectionRow.waitFor();
    if (!(await connectionRow.textContent()).includes('dashboard-test-client')) {
      throw new Error('the row does not show the client\'s name: ' + await connectionRow.textContent());
    }
    await shot('07-connections');

    step = 'the consumers page and the queue page list the client\'s consumer';
    const consumed = 'dashboard-consumed-' + Date.now();
    const declared = await fetch(base + '/api/queues/%2F/' + encodeURIComponent(consumed),
      { method: 'PUT', headers: { ...GUEST.headers, 'Content-Type': 'application/json' }, body: '{"durable":false}' });
    if (declared.status !== 201) throw new Error('declaring ' + consumed + ' answered ' + declared.status);
    client.send({ method: 'channel.open', channel: 1, id: 1 });
    client.send({ method: 'basic.consume', channel: 1, id: 2, queue: consumed, consumer_tag: 'dashboard-consumer' });
    await until('basic.consume-ok', () => client.received().includes('basic.consume-ok'));
    await page.click('#nav a[data-page=consumers]');
    const consumerRow = page.locator('#consumers tbody tr', { hasText: 'dashboard-consumer' });
    await consumerRow.waitFor();
    await shot('07b-consumers');
    await consumerRow.locator('a', { hasText: consumed }).click();
    await page.locator('#queue-consumers tbody tr', { hasText: 'dashboard-consumer' }).waitFor();
    await page.waitForFunction(() => document.getElementById('q-consumers')?.textContent === '1');
    await shot('07c-queue-consumers');
    await page.click('#nav a[data-page=connections]');
    await connectionRow.waitFor();

    step = 'close the connection from the UI with a reason';
    promptAnswer = 'closed from the dashboard test';
    await connectionRow.locator('button[data-connection]').click();
    await until('the client to get connection.close 320 with the reason', () =>
      /"code":320/.test(client.received()) && client.received().includes('closed from the dashboard test'));
    await page.waitForFunction(name =>
      ![...document.querySelectorAll('#connections tbody td')].some(td => td.textContent === name), connection);
    const still = (await (await fetch(base + '/api/connections', GUEST)).json()).filter(c => c.name === connection);
    if (still.length !== 0) throw new Error('the closed connection is still listed: ' + JSON.stringify(still));
    // Its consumer went with it.
    await until('the consumer to go', async () => (await (await fetch(base + '/api/consumers', GUEST)).json())
      .every(c => c.consumer_tag !== 'dashboard-consumer'));
    await shot('08-connection-closed');
  } finally {
    client.destroy();
  }

  step = 'add a user on the admin page';
  const user = 'dashboard-user-' + Date.now();
  await page.locator('#nav a[data-page=admin]:not([hidden])').click();
  await page.fill('#add-user input[name=name]', user);
  await page.fill('#add-user input[name=password]', 'pw-' + randomBytes(6).toString('hex'));
  await page.check('#add-user input[name=new-management]');
  await page.click('#add-user button[type=submit]');
  await page.locator('#users tbody tr', { hasText: user }).waitFor();
  const created = await (await fetch(base + '/api/users/' + encodeURIComponent(user), GUEST)).json();
  if (JSON.stringify(created.tags) !== '["management"]') throw new Error('the new user has tags ' + created.tags);

  step = 'give it permissions on /';
  await page.selectOption('#set-permission select[name=user]', user);
  await page.selectOption('#set-permission select[name=vhost]', '/');
  await page.fill('#set-permission input[name=configure]', '^dash-');
  await page.fill('#set-permission input[name=write]', '^dash-');
  await page.fill('#set-permission input[name=read]', '.*');
  await page.click('#set-permission button[type=submit]');
  await page.locator('#permissions tbody tr', { hasText: user }).waitFor();
  const granted = (await (await fetch(base + '/api/permissions', GUEST)).json())
    .filter(p => p.user === user && p.vhost === '/');
  if (granted.length !== 1 || granted[0].configure !== '^dash-' || granted[0].write !== '^dash-'
    || granted[0].read !== '.*') {
    throw new Error('/api/permissions says ' + JSON.stringify(granted));
  }
  await shot('09-admin-user-and-permissions');

  step = 'delete the user';
  await page.click('#users button[data-action=delete][data-user="' + user + '"]');
  await page.waitForFunction(name =>
    ![...document.querySelectorAll('#users tbody td')].some(td => td.textContent === name), user);
  const userGone = (await fetch(base + '/api/users/' + encodeURIComponent(user), GUEST)).status;
  if (userGone !== 404) throw new Error('the deleted user answers ' + userGone + ', not 404');
  const permissionsLeft = (await (await fetch(base + '/api/permissions', GUEST)).json()).filter(p => p.user === user);
  if (permissionsLeft.length !== 0) throw new Error('its permissions remain: ' + JSON.stringify(permissionsLeft));
  await shot('10-admin-user-deleted');

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
