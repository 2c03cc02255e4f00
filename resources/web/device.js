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
    // The hardware is extra: its failure leaves the charts above as they are.
    await loadHardware(from, to).catch(() => {});
  };

  // A board's hardware (agents 0.2.0 and newer): temperatures and cores over
  // the range, file systems and failed units as of now, and the processes on
  // top now or at a moment clicked on any chart.
  let hardwareRows = [];
  let sensors = [];
  let pinnedAt = null; // seconds, when a chart was clicked
  const loadHardware = async (from, to) => {
    const span = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    const page = await dmr.json(`${api}hardware-metrics/?${span}&points=600`);
    hardwareRows = page.items || [];
    drawTemperatures();
    drawFileSystems();
    drawCores();
    showProcesses();
  };

  const drawTemperatures = () => {
    const names = [...new Set(hardwareRows.flatMap((r) => r.temperatures.map((t) => t.sensor)))];
    const box = document.getElementById('temperature-box');
    box.hidden = names.length === 0;
    if (!names.length) return;
    const times = hardwareRows.map((r) => Date.parse(r.ts) / 1000);
    const series = names.map((name) => hardwareRows.map((r) => {
      const t = r.temperatures.find((x) => x.sensor === name);
      return t ? t.celsius : null;
    }));
    const element = document.getElementById('chart-temperature');
    if (names.join('\n') !== sensors.join('\n') || !charts.temperature) {
      sensors = names;
      if (charts.temperature) charts.temperature.destroy();
      const palette = [css('--s1'), css('--s2'), css('--s3'), '#9c36b5', '#e8590c', '#1098ad', '#5c940d', '#c2255c'];
      charts.temperature = new uPlot({
        width: Math.max(300, element.clientWidth), height: 220,
        scales: {x: {time: true, range: () => [view.from, view.to]}},
        axes: [{stroke: css('--muted'), grid: {stroke: css('--grid')}},
          {stroke: css('--muted'), grid: {stroke: css('--grid')}}],
        series: [{}, ...names.map((name, i) => ({label: name, stroke: palette[i % palette.length],
          width: 2, points: {show: false}, spanGaps: false}))],
      }, [times, ...series], element);
      element.uplot = charts.temperature;
      pinOnClick(charts.temperature);
    } else {
      charts.temperature.setData([times, ...series]);
    }
  };

  // Each file system's use over the range, one line a mount point: a card
  // that fills up shows as a line that climbs.
  let mounts = [];
  const drawFileSystems = () => {
    const names = [...new Set(hardwareRows.flatMap((r) => r.file_systems.map((f) => f.mount)))];
    document.getElementById('file-system-chart-box').hidden = names.length === 0;
    if (!names.length) return;
    const times = hardwareRows.map((r) => Date.parse(r.ts) / 1000);
    const series = names.map((mount) => hardwareRows.map((r) => {
      const fs = r.file_systems.find((f) => f.mount === mount);
      return fs ? fs.percent : null;
    }));
    const element = document.getElementById('chart-filesystems');
    if (names.join('\n') !== mounts.join('\n') || !charts.filesystems) {
      mounts = names;
      if (charts.filesystems) charts.filesystems.destroy();
      const palette = [css('--s1'), css('--s2'), css('--s3'), '#9c36b5', '#e8590c', '#1098ad'];
      charts.filesystems = new uPlot({
        width: Math.max(300, element.clientWidth), height: 220,
        scales: {x: {time: true, range: () => [view.from, view.to]}, y: {range: [0, 100]}},
        axes: [{stroke: css('--muted'), grid: {stroke: css('--grid')}},
          {stroke: css('--muted'), grid: {stroke: css('--grid')}}],
        series: [{}, ...names.map((name, i) => ({label: name, stroke: palette[i % palette.length],
          width: 2, points: {show: false}, spanGaps: false}))],
      }, [times, ...series], element);
      element.uplot = charts.filesystems;
      pinOnClick(charts.filesystems);
    } else {
      charts.filesystems.setData([times, ...series]);
    }
  };

  // One row per core, one column per report shown: an idle core is the
  // chart's background, a busy one the warm colour.
  const drawCores = () => {
    const canvas = document.getElementById('cores');
    const cores = Math.max(0, ...hardwareRows.map((r) => r.core_percents.length));
    document.getElementById('cores-box').hidden = cores === 0;
    if (!cores) return;
    const columns = hardwareRows.length;
    canvas.width = columns;
    canvas.height = cores;
    canvas.style.height = `${Math.min(240, Math.max(48, cores * 12))}px`;
    const context = canvas.getContext('2d');
    const image = context.createImageData(columns, cores);
    const hot = [217, 72, 15];
    // --bar in either scheme (app.css).
    const cold = matchMedia('(prefers-color-scheme: dark)').matches ? [43, 49, 58] : [230, 233, 238];
    hardwareRows.forEach((row, x) => {
      for (let y = 0; y < cores; ++y) {
        const p = row.core_percents[y];
        const at = (y * columns + x) * 4;
        // A core missing from a report (offline) is left transparent, not idle.
        if (p == null) continue;
        const f = Math.min(1, p / 100);
        for (let c = 0; c < 3; ++c) image.data[at + c] = Math.round(cold[c] + (hot[c] - cold[c]) * f);
        image.data[at + 3] = 255;
      }
    });
    context.putImageData(image, 0, 0);
    canvas.dataset.cores = String(cores);
    canvas.dataset.columns = String(columns);
  };

  // The processes of the report nearest to a moment (or the newest).
  const showProcesses = () => {
    let row = hardwareRows[hardwareRows.length - 1];
    if (pinnedAt != null && hardwareRows.length) {
      row = hardwareRows.reduce((best, r) =>
        Math.abs(Date.parse(r.ts) / 1000 - pinnedAt) < Math.abs(Date.parse(best.ts) / 1000 - pinnedAt) ? r : best);
    }
    if (!row && device && device.hardware) row = device.hardware;
    const at = document.getElementById('processes-at');
    at.textContent = row ? `at ${new Date(row.ts).toLocaleString()}` : '';
    document.getElementById('processes').replaceChildren(...(row ? row.processes : []).map((p) =>
      dmr.el('tr', {}, dmr.el('td', {text: String(p.pid)}), dmr.el('td', {text: p.name || '?'}),
        dmr.el('td', {text: p.cpu_percent.toFixed(1)}), dmr.el('td', {text: dmr.kib(p.rss_kb)}))));
  };

  const pinOnClick = (chart) => {
    chart.over.addEventListener('click', () => {
      const index = chart.cursor.idx;
      if (index == null) return;
      pinnedAt = chart.data[0][index];
      showProcesses();
    });
  };

  const showHardware = (d) => {
    const h = d.hardware;
    const outdated = document.getElementById('outdated');
    outdated.hidden = !d.agent_outdated;
    outdated.textContent = d.agent_outdated
      ? `This device's agent (${d.agent_version || 'unknown version'}) is older than the console` +
        ((d.missing_fields || []).length ? ` and does not send: ${d.missing_fields.join(', ')}.` : '.')
      : '';
    document.getElementById('hardware').hidden = !h;
    if (!h) return;
    document.getElementById('file-systems-box').hidden = h.file_systems.length === 0;
    document.getElementById('file-systems').replaceChildren(...h.file_systems.map((fs) =>
      dmr.el('tr', {}, dmr.el('td', {text: fs.mount}), dmr.el('td', {text: fs.type}),
        dmr.el('td', {text: dmr.kib(fs.size_kb)}),
        dmr.el('td', {text: dmr.percent(fs.percent), class: fs.percent >= 90 ? 'full' : ''}),
        dmr.el('td', {text: dmr.kib(fs.available_kb)}),
        dmr.el('td', {text: fs.inodes_total ? dmr.percent(fs.inode_percent) : '–'}))));
    document.getElementById('units-box').hidden = h.failed_units == null;
    document.getElementById('failed-units').replaceChildren(...(h.failed_units || []).map((u) =>
      dmr.el('li', {text: u})));
    if (!hardwareRows.length) showProcesses();
  };

  const hardwareTiles = (h) => {
    if (!h) return [];
    const tiles = [];
    if (h.temperatures.length) {
      const hottest = h.temperatures.reduce((a, b) => (b.celsius > a.celsius ? b : a));
      tiles.push(tile(`Hottest: ${hottest.sensor}`, `${hottest.celsius.toFixed(1)} °C`));
    }
    if (h.battery) tiles.push(tile(`Battery, ${h.battery.state}`, dmr.percent(h.battery.percent)));
    if (h.swap_total_kb) tiles.push(tile(`Swap of ${dmr.kib(h.swap_total_kb)}`,
      dmr.percent(100 * h.swap_used_kb / h.swap_total_kb)));
    if (h.disk_io) tiles.push(tile(`Disk I/O, busy ${dmr.percent(h.disk_io.busy_percent)}`,
      `${dmr.kib(h.disk_io.read_kb_per_second)}/s ↓ ${dmr.kib(h.disk_io.write_kb_per_second)}/s ↑`));
    if (h.failed_units) tiles.push(tile('Failed units', String(h.failed_units.length)));
    return tiles;
  };

  const updateDownloads = (from, to, resolution) => {
    const tier = resolution && resolution !== 'raw' ? `&resolution=${resolution}` : '';
    const span = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}${tier}`;
    document.getElementById('csv').href = `${api}export.csv?${span}`;
    document.getElementById('json').href = `${api}export.json?${span}`;
    document.getElementById('csv-network').href = `${api}export.csv?table=network&${span}`;
    const raw = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
    document.getElementById('csv-hardware').href = `${api}export.csv?table=hardware&${raw}`;
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
    // Live pushes carry the device without its hardware: keep the last.
    if (d.hardware === undefined && device) d.hardware = device.hardware;
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
      tile('Uptime', dmr.duration(s.uptime_seconds)), ...hardwareTiles(d.hardware));
    showHardware(d);
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
      const small = key === 'temperature' || key === 'filesystems';
      chart.setSize({width: Math.max(300, box.clientWidth), height: small ? 220 : 260});
    }
  });

  makeChart('usage', usageSeries, document.getElementById('chart-usage'), [0, 100]);
  makeChart('load', loadSeries, document.getElementById('chart-load'));
  pinOnClick(charts.usage);
  pinOnClick(charts.load);
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
  // The hardware is not pushed live: in the live range, fetched again every 30 s.
  setInterval(() => {
    if (range !== 600) return;
    dmr.json(api).then(show).catch(() => {});
    loadHardware(Date.now() - range * 1000, Date.now() + 1000).catch(() => {});
  }, 30000);
})();
