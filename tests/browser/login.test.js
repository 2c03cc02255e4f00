// SPDX-License-Identifier: MIT
// Sign-in, roles and TLS in a real headless Chromium, against a console that
// asks everyone to sign in and serves HTTPS with a self-signed certificate: a
// page shows each role only what it may do, and the console refuses the rest
// whatever the page shows. Usage (NODE_EXTRA_CA_CERTS set to the certificate):
// node login.test.js https://127.0.0.1:PORT http://127.0.0.1:PLAIN_PORT
'use strict';

const assert = require('node:assert/strict');
const {chromium} = require('playwright-core');

const base = process.argv[2];
const plain = process.argv[3];
const passwords = {viewer: 'viewer-pass-123456', operator: 'operator-pass-123456',
  admin: 'admin-pass-123456'};
const gated = '[data-role="operator"], [data-role="admin"]';

// What a page sends with the session it has: the status, and the JSON if any.
// withToken false leaves out the CSRF header a write needs.
const call = (page, method, url, body, withToken = true) => page.evaluate(
  async ({method, url, body, withToken}) => {
    const headers = {'Content-Type': 'application/json'};
    if (withToken) {
      const session = await (await fetch('/api/session/', {cache: 'no-store'})).json();
      headers['X-CSRF-Token'] = session.csrf_token;
    }
    const response = await fetch(url, {method, headers, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)});
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch (e) { /* 204, or not JSON */ }
    return {status: response.status, json};
  }, {method, url, body, withToken});

async function main() {
  // Plain HTTP only points at HTTPS, and nothing answers without a session.
  const redirect = await fetch(plain + '/', {redirect: 'manual'});
  assert.equal(redirect.status, 308, 'plain HTTP is redirected');
  assert.match(redirect.headers.get('location') || '', /^https:\/\//);
  assert.equal((await fetch(base + '/api/session/')).status, 401, 'no session, no answer');
  assert.equal((await fetch(base + '/api/devices/')).status, 401, 'the API wants a session');

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const external = [];
  const errors = [];
  const sockets = [];
  const open = async () => {
    const context = await browser.newContext({ignoreHTTPSErrors: true});
    const page = await context.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith(base + '/')) external.push(request.url());
    });
    page.on('websocket', (socket) => {
      sockets.push(socket.url());
      if (!socket.url().startsWith(base.replace(/^https/, 'wss') + '/')) external.push(socket.url());
    });
    page.on('pageerror', (error) => errors.push(String(error)));
    // The console may send a strict Content-Security-Policy: nothing inline.
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/.test(message.text()))
        errors.push(message.text());
    });
    return {context, page};
  };
  const signIn = async (page, name, password = passwords[name]) => {
    await page.waitForURL((url) => url.pathname === '/login');
    await page.fill('#name', name);
    await page.fill('#password', password);
    await page.click('#submit');
  };
  const sessionCookie = async (context) =>
    (await context.cookies(base)).find((cookie) => cookie.name === 'dmr_session');

  try {
    // The viewer: sent to sign in, refused a wrong password, then back on
    // the grid with the device, live over wss://.
    const viewer = await open();
    let page = viewer.page;
    await page.goto(base + '/');
    await page.waitForURL((url) => url.pathname === '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/');
    await signIn(page, 'viewer', 'not-the-password');
    await page.waitForFunction(() => document.getElementById('error').textContent !== '',
      null, {timeout: 10000});
    assert.match(await page.locator('#error').textContent(), /wrong name or password/);
    assert.equal(new URL(page.url()).pathname, '/login', 'a wrong password stays');
    await signIn(page, 'viewer');
    await page.waitForURL(base + '/');
    const card = page.locator('.card[data-uuid]').first();
    await card.waitFor({timeout: 20000});
    const uuid = await card.getAttribute('data-uuid');
    await page.locator('#live.on').waitFor({timeout: 10000});
    assert.ok(sockets.some((url) => url.startsWith('wss://')), `the live feed is wss: ${sockets}`);
    await page.locator('#user .who').waitFor();
    assert.match(await page.locator('#user').textContent(), /viewer\s*viewer/);

    const cookie = await sessionCookie(viewer.context);
    assert.ok(cookie, 'the session is a cookie');
    assert.equal(cookie.httpOnly, true, 'scripts cannot read the session');
    assert.equal(cookie.secure, true, 'the session is sent over TLS only');
    assert.equal(cookie.sameSite, 'Strict', 'other sites cannot send the session');
    assert.ok(!(await page.evaluate(() => document.cookie)).includes('dmr_session'));

    // The admin, in a browser of their own: ?next= to another site is not
    // followed; a rule that fires at once (CPU above -1 %) is made from the
    // page with the CSRF token.
    const admin = await open();
    await admin.page.goto(base + '/login?next=' + encodeURIComponent('//example.com/'));
    await signIn(admin.page, 'admin');
    await admin.page.waitForURL(base + '/');
    await admin.page.locator('#user a[data-role="admin"][href="/admin/"]').waitFor();
    const rule = await call(admin.page, 'POST', '/api/rules/',
      {name: 'Always', metric: 'cpu_percent', raise: -1, severity: 'warning'});
    assert.equal(rule.status, 201, `the admin creates a rule: ${JSON.stringify(rule.json)}`);

    // The viewer sees the alert, live, with no button to act on it, nor
    // anything else a viewer may not do, and the console refuses the viewer
    // an acknowledgement with the CSRF token or without.
    const firing = page.locator('#alert-list li.alert.warning').first();
    await firing.waitFor({timeout: 15000});
    const id = await firing.getAttribute('data-id');
    assert.equal(await page.locator(gated).count(), 0, 'the viewer has no gated controls');
    assert.equal((await call(page, 'POST', `/api/alerts/${id}/ack/`, {})).status, 403);
    assert.equal((await call(page, 'POST', `/api/alerts/${id}/ack/`, {}, false)).status, 403);
    const untouched = await call(page, 'GET', `/api/alerts/${id}/`);
    assert.equal(untouched.status, 200, 'a viewer reads alerts');
    assert.equal(untouched.json.acknowledged_by, null, 'the refused acknowledgement did nothing');
    await page.goto(`${base}/device/${uuid}/`);
    await page.locator('#user .who').waitFor();
    await page.locator('#presence-state:not(:empty)').waitFor({timeout: 15000});
    assert.equal(await page.locator(gated).count(), 0, 'the viewer cannot rename');
    await page.goto(base + '/admin/');
    await page.locator('#denied').waitFor();
    assert.equal(await page.locator('#admin').isVisible(), false, 'admins only');

    // Signing out ends the session at the console, not only in the page.
    await page.click('#sign-out');
    await page.waitForURL((url) => url.pathname === '/login');
    assert.equal((await call(page, 'GET', '/api/session/', undefined, false)).status, 401);
    const left = await sessionCookie(viewer.context);
    assert.ok(!left || left.value === '', 'the cookie is cleared');

    // The operator, in the same browser: a device page asked for before
    // signing in is where signing in leads; no rename there, no admin page.
    await page.goto(`${base}/device/${uuid}/`);
    await page.waitForURL((url) => url.pathname === '/login');
    assert.equal(new URL(page.url()).searchParams.get('next'), `/device/${uuid}/`);
    await signIn(page, 'operator');
    await page.waitForURL(`${base}/device/${uuid}/`);
    await page.locator('#user .who').waitFor();
    await page.locator('#presence-state:not(:empty)').waitFor({timeout: 15000});
    assert.equal(await page.locator('[data-role="admin"]').count(), 0, 'the operator cannot rename');

    // ... and acknowledges the alert from the list.
    await page.goto(base + '/');
    const ack = page.locator(`#alert-list li[data-id="${id}"] button[data-role="operator"][data-action="ack"]`);
    await ack.waitFor({timeout: 15000});
    assert.equal(await page.locator(`#alert-list li[data-id="${id}"] button[data-action="silence"]`).count(), 1);
    assert.equal(await page.locator('[data-role="admin"]').count(), 0, 'no admin link for the operator');
    await ack.click();
    await page.waitForFunction((alertId) => {
      const item = document.querySelector(`#alert-list li[data-id="${alertId}"]`);
      return !item || /acknowledged by operator/.test(item.textContent);
    }, id, {timeout: 10000});
    const acknowledged = await call(page, 'GET', `/api/alerts/${id}/`);
    assert.equal(acknowledged.json.acknowledged_by, 'operator', 'acknowledged in the operator\'s name');
    assert.ok(acknowledged.json.acknowledged_at, 'and when');
    assert.equal((await call(page, 'POST', '/api/rules/',
      {name: 'Never', metric: 'cpu_percent', raise: 101, severity: 'warning'})).status, 403,
      'an operator makes no rules');
    await page.goto(base + '/admin/');
    await page.locator('#denied').waitFor();

    // The admin renames the device from its page.
    page = admin.page;
    await page.goto(`${base}/device/${uuid}/`);
    await page.click('#rename[data-role="admin"]');
    await page.fill('#rename-input', 'Lab box');
    await page.click('#rename-box button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('hostname').textContent === 'Lab box',
      null, {timeout: 10000});
    await page.locator('#rename[data-role="admin"]').waitFor();

    // The admin page: users, a token shown once, and the audit log.
    await page.goto(base + '/admin/');
    await page.locator('#admin').waitFor();
    for (const name of ['admin', 'viewer', 'operator'])
      await page.locator(`#users tr[data-name="${name}"]`).waitFor({timeout: 10000});
    await page.fill('#user-name', 'carol');
    await page.fill('#user-password', 'carol-pass-123456');
    await page.selectOption('#user-role', 'viewer');
    await page.click('#user-add button[type="submit"]');
    const carol = page.locator('#users tr[data-name="carol"]');
    await carol.waitFor({timeout: 10000});
    await carol.locator('select').selectOption('operator');
    await page.waitForFunction(() =>
      document.querySelector('#users tr[data-name="carol"] select').value === 'operator' &&
      /carol is now operator/.test(document.getElementById('users-message').textContent),
    null, {timeout: 10000});
    const users = await call(page, 'GET', '/api/users/');
    assert.equal(users.json.find((u) => u.name === 'carol').role, 'operator', 'the role is changed');
    await carol.locator('button.danger').click();
    await carol.locator('button.danger').click(); // the second click confirms
    await carol.waitFor({state: 'detached', timeout: 10000});

    await page.fill('#token-name', 'ci');
    await page.selectOption('#token-role', 'viewer');
    await page.click('#token-add button[type="submit"]');
    await page.locator('#token-secret').waitFor({timeout: 10000});
    const secret = await page.locator('#token-value').textContent();
    assert.match(secret, /^dmr_/, 'the new token is shown');
    const row = page.locator('#tokens tr', {has: page.locator('td:first-child', {hasText: /^ci$/})});
    await row.and(page.locator('[data-state="active"]')).waitFor({timeout: 10000});
    const bearer = {headers: {Authorization: `Bearer ${secret}`}};
    assert.equal((await fetch(base + '/api/devices/', bearer)).status, 200, 'the token works');
    await page.click('#token-done');
    assert.equal(await page.locator('#token-value').textContent(), '', 'the secret leaves the page');
    await row.locator('button.danger').click();
    await row.locator('button.danger').click();
    await row.and(page.locator('[data-state="revoked"]')).waitFor({timeout: 10000});
    assert.equal((await fetch(base + '/api/devices/', bearer)).status, 401, 'a revoked token is refused');

    await page.click('#audit-refresh');
    await page.waitForFunction(() => [...document.querySelectorAll('#audit tr')].some((tr) =>
      tr.children[1].textContent === 'admin' && /rule/i.test(tr.textContent)), null, {timeout: 10000});

    assert.deepEqual(errors, [], 'no script errors');
    assert.deepEqual(external, [], 'nothing fetched from outside the console');
    console.log('browser login test passed');
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
