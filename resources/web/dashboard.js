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

  // ?label=location:lab, as the REST API takes it: the device must carry
  // that label with that value.
  const labelSelect = document.getElementById('label');
  const labelFilter = () => labelSelect.value;
  // name:value or name=value, at the first of either: a name has neither.
  const splitLabel = (filter) => {
    const at = filter.search(/[:=]/);
    return at > 0 ? [filter.slice(0, at), filter.slice(at + 1)] : null;
  };
  const pendingLabel = (() => {
    const pair = splitLabel(params.get('label') || '');
    return pair ? `${pair[0]}:${pair[1]}` : '';
  })();
  const hasLabel = (device, filter) => {
    if (!filter) return true;
    const pair = splitLabel(filter);
    const labels = device.labels || {};
    return pair !== null && labels[pair[0]] === pair[1];
  };
  const matches = (device, text, filter) => hasLabel(device, filter) && (!text ||
    [device.uuid, device.device_id, device.hostname, device.display_name]
      .some((field) => (field || '').toLowerCase().includes(text)));

  // The choices are the labels the fleet carries now, and the one the
  // address asked for even before a device with it is known.
  let labelChoices = '';
  const updateLabelChoices = () => {
    const pairs = new Set();
    for (const d of devices.values())
      for (const [name, value] of Object.entries(d.labels || {})) pairs.add(`${name}:${value}`);
    const wanted = labelSelect.value || pendingLabel;
    if (wanted) pairs.add(wanted);
    const sorted = [...pairs].sort();
    const key = sorted.join('\n');
    if (key === labelChoices) return;
    labelChoices = key;
    labelSelect.replaceChildren(dmr.el('option', {value: '', text: 'All labels'}),
      ...sorted.map((pair) => dmr.el('option', {value: pair, text: pair.replace(':', ' = ')})));
    labelSelect.value = wanted;
    labelSelect.hidden = sorted.length === 0;
  };
  const setAddress = (name, value) => {
    const url = new URL(location.href);
    if (value) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
    history.replaceState(null, '', url);
  };

  // Cards are made once per device and updated in place, so a click, a hover
  // or a text selection is never lost to a live update.
  const setText = (node, text) => { if (node.textContent !== text) node.textContent = text; };
  const meter = (name) => {
    const value = dmr.el('span');
    const fill = dmr.el('div', {class: 'fill'});
    const node = dmr.el('div', {class: 'meter'},
      dmr.el('div', {class: 'label'}, dmr.el('span', {text: name}), value),
      dmr.el('div', {class: 'track'}, fill));
    const set = (percent, detail) => {
      setText(value, percent == null ? '–' : `${percent.toFixed(1)} %${detail ? ' · ' + detail : ''}`);
      fill.style.width = `${Math.min(100, percent || 0)}%`;
    };
    return {node, set};
  };

  // Firing alerts, by id: a list above the grid, worst first, and each
  // card's border in the colour of its worst.
  const alerts = new Map();
  const rank = (a) => (a.severity === 'critical' ? 2 : 1);
  const worst = (uuid) => {
    let best = 0;
    for (const a of alerts.values()) if (a.device === uuid) best = Math.max(best, rank(a));
    return best === 2 ? 'critical' : best === 1 ? 'warning' : '';
  };
  // Operators and admins act on an alert from the list; anyone else is not
  // shown buttons the console would refuse.
  let operator = false;
  const actions = (a) => (!operator ? [] : [
    ...(a.acknowledged_at ? [] : [dmr.el('button', {type: 'button', 'data-role': 'operator',
      'data-action': 'ack', text: 'Acknowledge'})]),
    dmr.el('button', {type: 'button', 'data-role': 'operator', 'data-action': 'silence',
      title: 'No notifications for an hour', text: 'Silence 1 h'})]);
  const renderAlerts = () => {
    const list = [...alerts.values()].sort((a, b) => rank(b) - rank(a) ||
      b.raised_at.localeCompare(a.raised_at));
    document.getElementById('alerts').hidden = list.length === 0;
    document.getElementById('alert-count').textContent = `${list.length}`;
    document.getElementById('alert-list').replaceChildren(...list.map((a) =>
      dmr.el('li', {class: `alert ${a.severity}`, 'data-id': String(a.id)},
        dmr.el('span', {class: 'severity', text: a.severity}),
        dmr.el('a', {href: `/device/${a.device}/`, text: a.summary}),
        dmr.el('span', {class: 'muted', text: ` · since ${dmr.ago(a.raised_at)}` +
          (a.acknowledged_by ? ` · acknowledged by ${a.acknowledged_by}` : '') +
          (a.silenced_until ? ` · silenced until ${new Date(a.silenced_until).toLocaleTimeString()}` : '')}),
        ...actions(a))));
    render();
  };
  const alertMessage = document.getElementById('alert-message');
  document.getElementById('alert-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const id = button.closest('li[data-id]').dataset.id;
    const body = button.dataset.action === 'silence' ? {minutes: 60} : {};
    button.disabled = true;
    alertMessage.hidden = true;
    dmr.send('POST', `/api/alerts/${id}/${button.dataset.action}/`, body).then((alert) => {
      if (alert.state === 'firing') alerts.set(alert.id, alert);
      else alerts.delete(alert.id);
      renderAlerts();
    }).catch((error) => {
      button.disabled = false;
      alertMessage.textContent = error.message;
      alertMessage.hidden = false;
    });
  });
  const loadAlerts = () => dmr.json('/api/alerts/').then((list) => {
    alerts.clear();
    for (const a of list) alerts.set(a.id, a);
    renderAlerts();
  }).catch(() => {});

  const cards = new Map(); // uuid -> {node, update(device)}
  const card = (uuid) => {
    const dot = dmr.el('span', {class: 'dot'});
    const name = dmr.el('span');
    const hostname = dmr.el('div', {class: 'id', title: 'hostname'});
    const deviceId = dmr.el('div', {class: 'id', title: 'device_id'});
    const [cpu, memory, disk] = ['CPU', 'Memory', 'Disk'].map(meter);
    const seen = dmr.el('div', {class: 'seen'});
    const labels = dmr.el('div', {class: 'labels'});
    // An agent older than the console, and what it cannot send.
    const outdated = dmr.el('div', {class: 'outdated'});
    let shownLabels = null;
    const node = dmr.el('a', {class: 'card', href: `/device/${uuid}/`, 'data-uuid': uuid},
      dmr.el('h2', {}, dot, name), deviceId, hostname, dmr.el('div', {class: 'id', text: uuid, title: 'uuid'}),
      labels, cpu.node, memory.node, disk.node, outdated, seen);
    const update = (d) => {
      const s = d.system;
      node.dataset.online = String(d.online);
      node.dataset.alert = worst(d.uuid);
      dot.className = 'dot' + (d.online ? ' online' : '');
      dot.title = d.online ? 'online' : 'offline';
      setText(name, dmr.name(d));
      // The hostname under a name the operator gave.
      hostname.hidden = !d.display_name;
      setText(hostname, d.display_name ? d.hostname : '');
      setText(deviceId, d.device_id);
      cpu.set(s && s.cpu_percent);
      memory.set(s && s.memory_percent, s && dmr.kib(s.memory_used_kb));
      disk.set(s && s.disk_percent, s && dmr.kib(s.disk_used_kb));
      setText(seen, `last seen ${dmr.ago(d.last_seen)} · ${d.reports_received} reports`);
      outdated.hidden = !d.agent_outdated;
      setText(outdated, d.agent_outdated ? `old agent ${d.agent_version || ''}` : '');
      outdated.title = d.agent_outdated && (d.missing_fields || []).length
        ? `This agent does not send: ${d.missing_fields.join(', ')}. Update it to see them.` : '';
      const text = JSON.stringify(d.labels || {});
      if (text !== shownLabels) {
        shownLabels = text;
        labels.replaceChildren(...Object.entries(d.labels || {}).map(([key, value]) =>
          dmr.el('span', {class: 'chip', text: `${key}=${value}`, 'data-label': `${key}:${value}`,
            title: 'Show only devices with this label'})));
      }
    };
    return {node, update};
  };

  let pending = false;
  const render = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      updateLabelChoices();
      const text = search.value.trim().toLowerCase();
      const filter = labelFilter();
      const list = [...devices.values()].filter((d) => matches(d, text, filter)).sort((a, b) =>
        dmr.name(a).localeCompare(dmr.name(b)) || a.device_id.localeCompare(b.device_id));
      for (const uuid of cards.keys()) if (!devices.has(uuid)) cards.delete(uuid);
      const nodes = list.map((d) => {
        if (!cards.has(d.uuid)) cards.set(d.uuid, card(d.uuid));
        const c = cards.get(d.uuid);
        c.update(d);
        return c.node;
      });
      // Moved only when the order or the filter changed.
      const shown = grid.children;
      if (shown.length !== nodes.length || nodes.some((node, i) => shown[i] !== node))
        grid.replaceChildren(...nodes);
      document.getElementById('empty').hidden = list.length > 0;
      const online = [...devices.values()].filter((d) => d.online).length;
      document.getElementById('summary').textContent = `${online} of ${devices.size} online`;
    });
  };

  search.addEventListener('input', () => {
    setAddress('search', search.value);
    render();
  });
  labelSelect.addEventListener('change', () => {
    setAddress('label', labelSelect.value);
    render();
  });
  // A label on a card filters by it (the card itself is a link: not followed).
  grid.addEventListener('click', (event) => {
    const chip = event.target.closest('.chip[data-label]');
    if (!chip) return;
    event.preventDefault();
    labelSelect.value = chip.dataset.label;
    if (labelSelect.value !== chip.dataset.label) return;
    setAddress('label', labelSelect.value);
    render();
  });
  updateLabelChoices();

  const replace = (list) => { devices.clear(); for (const d of list) devices.set(d.uuid, d); render(); };
  dmr.liveFeed({
    indicator: document.getElementById('live'),
    onDevices(list, full) {
      if (full) return replace(list);
      for (const d of list) devices.set(d.uuid, d);
      render();
    },
    onRemoved(uuids) {
      for (const uuid of uuids) devices.delete(uuid);
      render();
    },
    onAlert(alert) {
      if (alert.state === 'firing') alerts.set(alert.id, alert);
      else alerts.delete(alert.id);
      renderAlerts();
    },
    poll: () => {
      loadAlerts();
      return dmr.json('/api/devices/').then(replace).catch(() => {});
    },
  });
  dmr.userBar(document.getElementById('user'));
  dmr.session().then((session) => {
    operator = dmr.can(session.role, 'operator');
    renderAlerts();
  }).catch(() => {});
  loadAlerts();
  dmr.json('/api/devices/').then((list) => { if (!devices.size) replace(list); }).catch(() => {});
  setInterval(renderAlerts, 10000); // "last seen" and "since" age even when nothing happens
})();
