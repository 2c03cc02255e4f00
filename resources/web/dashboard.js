// SPDX-License-Identifier: MIT
// The device grid: every device with its status and current load, kept live
// over the WebSocket, filtered as the user types.
'use strict';

(() => {
  const devices = new Map(); // uuid -> device JSON
  const grid = document.getElementById('grid');
  const search = document.getElementById('search');
  const params = new URLSearchParams(location.search);
  search.value = params.get('search') || '';

  const matches = (device, text) => !text || [device.uuid, device.device_id, device.hostname]
    .some((field) => (field || '').toLowerCase().includes(text));

  const meter = (name, percent, detail) => dmr.el('div', {class: 'meter'},
    dmr.el('div', {class: 'label'}, dmr.el('span', {text: name}),
      dmr.el('span', {text: percent == null ? '–' : `${percent.toFixed(1)} %${detail ? ' · ' + detail : ''}`})),
    Object.assign(dmr.el('div', {class: 'track'}), {
      innerHTML: `<div class="fill" style="width:${Math.min(100, percent || 0)}%"></div>`,
    }));

  const card = (d) => {
    const s = d.system;
    return dmr.el('a', {class: 'card', href: `/device/${d.uuid}/`, 'data-uuid': d.uuid,
      'data-online': String(d.online)},
      dmr.el('h2', {}, dmr.el('span', {class: 'dot' + (d.online ? ' online' : ''),
        title: d.online ? 'online' : 'offline'}), dmr.el('span', {text: d.hostname || d.device_id})),
      dmr.el('div', {class: 'id', text: d.device_id, title: 'device_id'}),
      dmr.el('div', {class: 'id', text: d.uuid, title: 'uuid'}),
      meter('CPU', s && s.cpu_percent),
      meter('Memory', s && s.memory_percent, s && dmr.kib(s.memory_used_kb)),
      meter('Disk', s && s.disk_percent, s && dmr.kib(s.disk_used_kb)),
      dmr.el('div', {class: 'seen', text: `last seen ${dmr.ago(d.last_seen)} · ${d.reports_received} reports`}));
  };

  let pending = false;
  const render = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const text = search.value.trim().toLowerCase();
      const list = [...devices.values()].filter((d) => matches(d, text)).sort((a, b) =>
        (a.hostname || '').localeCompare(b.hostname || '') || a.device_id.localeCompare(b.device_id));
      grid.replaceChildren(...list.map(card));
      document.getElementById('empty').hidden = list.length > 0;
      const online = [...devices.values()].filter((d) => d.online).length;
      document.getElementById('summary').textContent = `${online} of ${devices.size} online`;
    });
  };

  search.addEventListener('input', () => {
    const url = new URL(location.href);
    if (search.value) url.searchParams.set('search', search.value);
    else url.searchParams.delete('search');
    history.replaceState(null, '', url);
    render();
  });

  const replace = (list) => { devices.clear(); for (const d of list) devices.set(d.uuid, d); render(); };
  dmr.liveFeed({
    indicator: document.getElementById('live'),
    onDevices(list, full) {
      if (full) return replace(list);
      for (const d of list) devices.set(d.uuid, d);
      render();
    },
    poll: () => dmr.json('/api/devices/').then(replace).catch(() => {}),
  });
  dmr.json('/api/devices/').then((list) => { if (!devices.size) replace(list); }).catch(() => {});
  setInterval(render, 10000); // "last seen" ages even when nothing happens
})();
