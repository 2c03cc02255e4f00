// SPDX-License-Identifier: MIT
// One device: its facts, current values, charts over a chosen range (live
// for the last ten minutes) and downloads.
'use strict';

(() => {
  const uuid = location.pathname.split('/').filter(Boolean)[1];
  const api = `/api/devices/${uuid}/`;
  let range = 600; // seconds shown
  // The x axis spans the whole range chosen (seconds), not just the data
  // there is: ten minutes of a device that reported for one are still ten
  // minutes, with whole-minute ticks.
  let view = {from: Date.now() / 1000 - range, to: Date.now() / 1000};
  let device = null;
  const charts = {};
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  const usageSeries = ['cpu_percent', 'memory_percent', 'disk_percent'];
  const loadSeries = ['load_1', 'load_5', 'load_15'];
  const labels = {cpu_percent: 'CPU', memory_percent: 'Memory', disk_percent: 'Disk',
    load_1: '1 min', load_5: '5 min', load_15: '15 min'};
  // x (seconds) then one array per metric, as uPlot takes them.
  const data = {usage: [[], [], [], []], load: [[], [], [], []]};

  const makeChart = (key, metrics, element, yRange) => {
    const colors = [css('--s1'), css('--s2'), css('--s3')];
    const opts = {
      width: Math.max(300, element.clientWidth), height: 260,
      scales: {x: {time: true, range: () => [view.from, view.to]},
        y: yRange ? {range: yRange} : {}},
      axes: [{stroke: css('--muted'), grid: {stroke: css('--grid')}},
        {stroke: css('--muted'), grid: {stroke: css('--grid')}}],
      series: [{}, ...metrics.map((m, i) => ({label: labels[m], stroke: colors[i], width: 2,
        points: {show: false}, spanGaps: false}))],
    };
    charts[key] = new uPlot(opts, data[key], element);
    element.uplot = charts[key]; // for the browser test to read its scales
  };

  const loadHistory = async () => {
    const to = Date.now() + 1000, from = to - range * 1000;
    view = {from: from / 1000, to: to / 1000};
    const points = 600;
    const fetchMetric = (metric) => dmr.json(`${api}history/?metric=${metric}&from=${from}&to=${to}&points=${points}`);
    const all = await Promise.all([...usageSeries, ...loadSeries].map(fetchMetric));
    const fill = (key, results) => {
      // Every metric comes from the same rows, so buckets line up by start time.
      const times = results[0].points.map((p) => Date.parse(p.start) / 1000);
      data[key] = [times, ...results.map((r) => r.points.map((p) => p.avg))];
      charts[key].setData(data[key]);
    };
    fill('usage', all.slice(0, 3));
    fill('load', all.slice(3));
    // Which tier answered: every report, or averages per minute or hour; the
    // downloads are of the same tier.
    const tiers = {raw: 'every report', minute: 'averages per minute', hour: 'averages per hour'};
    document.getElementById('resolution').textContent = tiers[all[0].resolution] || '';
    updateDownloads(from, to, all[0].resolution);
  };

  const updateDownloads = (from, to, resolution) => {
    const tier = resolution && resolution !== 'raw' ? `&resolution=${resolution}` : '';
    const span = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}${tier}`;
    document.getElementById('csv').href = `${api}export.csv?${span}`;
    document.getElementById('json').href = `${api}export.json?${span}`;
    document.getElementById('csv-network').href = `${api}export.csv?table=network&${span}`;
  };

  // A live sample is appended only in the live range; longer ranges are
  // history and are reloaded when chosen.
  const appendLive = (d) => {
    if (range !== 600 || !d.system) return;
    const t = Date.parse(d.system.sample_time) / 1000;
    const now = Math.max(t, Date.now() / 1000);
    view = {from: now - range, to: now};
    for (const [key, metrics] of [['usage', usageSeries], ['load', loadSeries]]) {
      const series = data[key];
      if (series[0].length && t <= series[0][series[0].length - 1]) continue;
      series[0].push(t);
      metrics.forEach((m, i) => series[i + 1].push(d.system[m]));
      while (series[0].length && series[0][0] < view.from) series.forEach((s) => s.shift());
      charts[key].setData(series);
    }
  };

  const tile = (name, value) => dmr.el('div', {class: 'tile'},
    dmr.el('div', {class: 'value', text: value}), dmr.el('div', {class: 'name', text: name}));
  const fact = (name, value) => dmr.el('span', {}, name + ' ', dmr.el('b', {text: value}));

  const show = (d) => {
    device = d;
    document.title = `${dmr.name(d)} · Device Metrics Reporter`;
    document.getElementById('hostname').textContent = dmr.name(d);
    const status = document.getElementById('status');
    status.className = 'dot' + (d.online ? ' online' : '');
    status.title = d.online ? 'online' : 'offline';
    document.getElementById('facts').replaceChildren(
      fact('status', d.online ? 'online' : 'offline'),
      ...(d.display_name ? [fact('hostname', d.hostname || '–')] : []),
      fact('device_id', d.device_id),
      fact('uuid', d.uuid), fact('agent', d.agent_version || '–'),
      fact('interval', d.interval_seconds ? d.interval_seconds + ' s' : '–'),
      fact('last seen', dmr.ago(d.last_seen)), fact('reports', String(d.reports_received)),
      fact('lost', String(d.reports_lost)));
    const s = d.system || {};
    document.getElementById('tiles').replaceChildren(
      tile('CPU', dmr.percent(s.cpu_percent)),
      tile(`Memory of ${dmr.kib(s.memory_total_kb)}`, dmr.percent(s.memory_percent)),
      tile(`Disk of ${dmr.kib(s.disk_total_kb)}` +
        (s.disk_available_kb == null ? '' : `, ${dmr.kib(s.disk_available_kb)} free`),
        dmr.percent(s.disk_percent)),
      tile('Load 1 / 5 / 15', s.load_1 == null ? '–' : `${s.load_1} / ${s.load_5} / ${s.load_15}`),
      tile('Uptime', dmr.duration(s.uptime_seconds)));
    document.getElementById('interfaces').replaceChildren(...(d.network || []).map((n) =>
      dmr.el('tr', {}, dmr.el('td', {text: n.interface}), dmr.el('td', {text: n.ip_address || '–'}),
        dmr.el('td', {text: n.mac_address || '–'}), dmr.el('td', {text: dmr.bytes(n.rx_bytes)}),
        dmr.el('td', {text: dmr.bytes(n.tx_bytes)}))));
    appendLive(d);
  };

  for (const button of document.querySelectorAll('[data-range]')) {
    button.addEventListener('click', () => {
      for (const other of document.querySelectorAll('[data-range]')) other.classList.remove('active');
      button.classList.add('active');
      range = Number(button.dataset.range);
      loadHistory().catch(() => {});
    });
  }
  window.addEventListener('resize', () => {
    for (const [key, chart] of Object.entries(charts)) {
      const box = document.getElementById(`chart-${key}`);
      chart.setSize({width: Math.max(300, box.clientWidth), height: 260});
    }
  });

  makeChart('usage', usageSeries, document.getElementById('chart-usage'), [0, 100]);
  makeChart('load', loadSeries, document.getElementById('chart-load'));
  dmr.json(api).then((d) => { show(d); return loadHistory(); }).catch((error) => {
    document.getElementById('hostname').textContent = 'No such device';
    console.error(error);
  });
  dmr.liveFeed({
    subscribe: uuid,
    indicator: document.getElementById('live'),
    onDevices(list) { for (const d of list) if (d.uuid === uuid) show(d); },
    onRemoved(uuids) {
      if (!uuids.includes(uuid)) return;
      document.getElementById('hostname').textContent = 'Deleted (or merged into another device)';
      document.getElementById('status').className = 'dot';
    },
    onAlert(alert) { if (alert.device === uuid) presence(); },
    poll: () => dmr.json(api).then(show).catch(() => {}),
  });
  // Presence: state, uptime, the heartbeat strip and what fires on it.
  const presence = () => Promise.all([
    dmr.json(`${api}presence/`),
    dmr.json(`/api/alerts/?device=${uuid}`),
  ]).then(([p, firing]) => {
    const state = document.getElementById('presence-state');
    state.textContent = p.state.replace('_', ' ');
    state.dataset.state = p.state;
    const u = p.uptime_percent;
    const pct = (v) => (v == null ? '–' : `${v.toFixed(2)} %`);
    document.getElementById('uptime').textContent =
      `uptime ${pct(u['24h'])} (24 h) · ${pct(u['7d'])} (7 days) · ${pct(u['30d'])} (30 days)` +
      ` · ${p.outages.length} outage${p.outages.length === 1 ? '' : 's'} in 30 days`;
    document.getElementById('heartbeat').replaceChildren(...p.heartbeat.map((mark) =>
      dmr.el('span', {class: `beat ${mark}`, title: mark})));
    document.getElementById('device-alerts').replaceChildren(...firing.map((a) =>
      dmr.el('li', {class: `alert ${a.severity}`, 'data-id': String(a.id)},
        dmr.el('span', {class: 'severity', text: a.severity}),
        dmr.el('span', {text: ` ${a.summary} · since ${dmr.ago(a.raised_at)}`}))));
  }).catch(() => {});
  presence();
  setInterval(presence, 10000);

  // Admins give the device a name, shown wherever the device is; an empty
  // one clears it, back to the hostname.
  const renameBox = document.getElementById('rename-box');
  const renameButton = dmr.el('button', {type: 'button', id: 'rename', 'data-role': 'admin',
    title: 'Give this device a name', text: 'Rename'});
  renameButton.addEventListener('click', () => {
    const input = dmr.el('input', {type: 'text', id: 'rename-input', maxlength: '253',
      'aria-label': 'Display name', placeholder: device ? device.hostname || '' : ''});
    input.value = (device && device.display_name) || '';
    const save = dmr.el('button', {type: 'submit', text: 'Save'});
    const cancel = dmr.el('button', {type: 'button', text: 'Cancel'});
    const message = dmr.el('span', {class: 'error', role: 'alert'});
    const form = dmr.el('form', {'data-role': 'admin'}, input, save, cancel, message);
    cancel.addEventListener('click', () => renameBox.replaceChildren(renameButton));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      save.disabled = true;
      dmr.send('PATCH', api, {display_name: input.value.trim() || null})
        .then(() => dmr.json(api))
        .then((d) => { show(d); renameBox.replaceChildren(renameButton); })
        .catch((error) => { save.disabled = false; message.textContent = error.message; });
    });
    renameBox.replaceChildren(form);
    input.focus();
  });
  dmr.session().then((session) => {
    if (dmr.can(session.role, 'admin')) renameBox.replaceChildren(renameButton);
  }).catch(() => {});
  dmr.userBar(document.getElementById('user'));
  setInterval(() => device && show(device), 10000);
})();
