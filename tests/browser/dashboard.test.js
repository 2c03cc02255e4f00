// SPDX-License-Identifier: MIT
// The web page in a real headless Chromium: the grid shows a device that
// reports over UDP, updates it live, filters it by search, and the device
// page draws a chart. Usage: node dashboard.test.js http://127.0.0.1:PORT
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {chromium} = require('playwright-core');

const base = process.argv[2];
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'dmr-chromium-'));

async function main() {
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const external = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(base) && !request.url().startsWith(base.replace('http', 'ws')))
        external.push(request.url());
    });
    const errors = [];
    page.on('pageerror', (error) => errors.push(String(error)));

    await page.goto(base + '/');
    const card = page.locator('.card[data-uuid]').first();
    await card.waitFor({timeout: 20000});
    assert.equal(await card.getAttribute('data-online'), 'true', 'the reporting device is online');
    await page.locator('#live.on').waitFor({timeout: 10000}); // WebSocket connected

    // Live: the report count on the card grows without a reload.
    const seen = async () => Number((await card.locator('.seen').textContent()).match(/(\d+) reports/)[1]);
    const before = await seen();
    await page.waitForFunction((n) => {
      const text = document.querySelector('.card[data-uuid] .seen').textContent;
      return Number(text.match(/(\d+) reports/)[1]) > n;
    }, before, {timeout: 15000});

    // Search by hostname, device id and uuid; nonsense hides it.
    const uuid = await card.getAttribute('data-uuid');
    const deviceId = await card.locator('.id').first().textContent();
    for (const text of ['loadgen-000000', deviceId.slice(0, 10), uuid.slice(0, 8)]) {
      await page.fill('#search', text);
      await page.waitForFunction(() => document.querySelectorAll('.card').length === 1);
    }
    await page.fill('#search', 'no-such-device');
    await page.waitForFunction(() => document.querySelectorAll('.card').length === 0);
    await page.fill('#search', '');
    await page.locator('.card[data-uuid]').first().waitFor();

    // An alert rule that fires at once (CPU above -1 %): the list above the
    // grid shows it, live, and the card takes its colour.
    const rule = await fetch(base + '/api/rules/', {
      method: 'POST',
      headers: {'Authorization': `Bearer ${process.env.DMR_API_TOKEN}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({name: 'Always', metric: 'cpu_percent', raise: -1, severity: 'warning'}),
    });
    assert.equal(rule.status, 201, 'the rule is created');
    await page.locator('#alert-list li.alert.warning').first().waitFor({timeout: 15000});
    assert.match(await page.locator('#alert-list li').first().textContent(), /Always: cpu_percent/);
    await page.locator(`.card[data-uuid="${uuid}"][data-alert="warning"]`).waitFor({timeout: 5000});

    // Labels: one a person sets shows on the card, live; the label filter
    // and ?label= in the address keep only the devices that carry it.
    const labelled = await fetch(base + `/api/devices/${uuid}/labels/`, {
      method: 'PUT',
      headers: {'Authorization': `Bearer ${process.env.DMR_API_TOKEN}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({labels: {location: 'lab'}}),
    });
    assert.equal(labelled.status, 200, 'the label is set');
    const chip = page.locator(`.card[data-uuid="${uuid}"] .chip[data-label="location:lab"]`);
    await chip.waitFor({timeout: 10000});
    assert.equal(await chip.textContent(), 'location=lab');
    await page.selectOption('#label', 'location:lab');
    await page.waitForFunction(() => document.querySelectorAll('.card').length === 1);
    assert.match(page.url(), /[?&]label=location%3Alab/);
    await page.goto(base + '/?label=location=shed');
    await page.waitForFunction(() => /of 1 online/.test(document.getElementById('summary').textContent),
      null, {timeout: 10000});
    assert.equal(await page.locator('.card').count(), 0, 'no device is in the shed');
    assert.equal(await page.locator('#empty').isVisible(), true);
    await page.selectOption('#label', '');
    await chip.waitFor({timeout: 5000});
    await chip.click(); // filters, rather than opening the device
    await page.waitForFunction(() => /[?&]label=location%3Alab/.test(location.search));
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.locator('.card').count(), 1);

    // The device page draws its charts from history and live updates.
    await page.click(`.card[data-uuid="${uuid}"]`);
    await page.waitForURL(`**/device/${uuid}/`);
    await page.waitForFunction(() => {
      const canvas = document.querySelector('#chart-usage canvas');
      if (!canvas || canvas.width === 0) return false;
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let drawn = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawn++;
      return drawn > 500;
    }, null, {timeout: 20000});
    // The time axis spans the whole range chosen, not just the 40 s of data
    // the device has: ten minutes live, an hour for "1 h".
    const span = () => page.evaluate(() => {
      const x = document.querySelector('#chart-usage').uplot.scales.x;
      return x.max - x.min;
    });
    const live = await span();
    assert.ok(Math.abs(live - 600) < 5, `the live chart spans 600 s, not ${live}`);

    // The board's hardware (metrics-loadgen's devices report as 0.2.0
    // agents): a temperature chart, a heat strip of its four cores, its two
    // file systems, and the processes on top, also at a moment clicked.
    await page.waitForFunction(() => !document.getElementById('hardware').hidden, null, {timeout: 10000});
    await page.waitForFunction(() => {
      const chart = document.querySelector('#chart-temperature').uplot;
      return chart && chart.series.length === 2 && chart.data[0].length > 0;
    }, null, {timeout: 10000});
    assert.equal(await page.locator('#cores').getAttribute('data-cores'), '4');
    // The file systems' use over time: one line for / and one for the firmware partition.
    assert.equal(await page.evaluate(() => document.querySelector('#chart-filesystems').uplot.series.length), 3);
    assert.equal(await page.locator('#file-systems tr').count(), 2);
    assert.equal(await page.locator('#file-systems tr td').first().textContent(), '/');
    assert.ok(await page.locator('#processes tr').count() >= 5, 'top processes listed');
    assert.equal(await page.locator('#outdated').isHidden(), true, 'a current agent is not flagged');
    const box = await page.locator('#chart-usage .u-over').boundingBox();
    await page.mouse.move(box.x + box.width - 5, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width - 5, box.y + box.height / 2);
    await page.waitForFunction(() => /^at /.test(document.getElementById('processes-at').textContent),
      null, {timeout: 5000});
    assert.match(await page.locator('#csv-hardware').getAttribute('href'), /table=hardware/);
    await page.click('[data-range="3600"]');
    await page.waitForFunction(() => {
      const x = document.querySelector('#chart-usage').uplot.scales.x;
      return Math.abs(x.max - x.min - 3600) < 5;
    }, null, {timeout: 10000});
    // The charts say which tier of history they show: an hour is every
    // report; a year in 600 points is hours.
    await page.waitForFunction(
      () => document.querySelector('#resolution').textContent === 'every report', null, {timeout: 10000});
    await page.click('[data-range="31536000"]');
    await page.waitForFunction(
      () => document.querySelector('#resolution').textContent === 'averages per hour', null, {timeout: 10000});
    // The downloads are of the tier shown.
    assert.match(await page.locator('#csv').getAttribute('href'), /&resolution=hour$/);
    const href = await page.locator('#csv').getAttribute('href');
    assert.match(href, new RegExp(`/api/devices/${uuid}/export\\.csv\\?from=`));

    // Presence: live, with a heartbeat strip of 60 marks, reports among
    // them, and the alert that fires.
    await page.waitForFunction(() => document.querySelectorAll('#heartbeat .beat').length === 60,
      null, {timeout: 15000});
    assert.equal(await page.locator('#presence-state').textContent(), 'live');
    assert.ok(await page.locator('#heartbeat .beat.arrived').count() > 0, 'reports arrived');
    assert.match(await page.locator('#uptime').textContent(), /uptime 100\.00 % \(24 h\)/);
    await page.locator('#device-alerts li.alert.warning').first().waitFor({timeout: 5000});

    assert.deepEqual(errors, [], 'no script errors');
    assert.deepEqual(external, [], 'nothing fetched from outside the console');
    console.log('browser test passed');
  } finally {
    await context.close();
    fs.rmSync(profile, {recursive: true, force: true});
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
