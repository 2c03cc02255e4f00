// SPDX-License-Identifier: MIT
// Shared by the device grid and the device page: formatting, and a live feed
// that prefers the WebSocket and falls back to polling when it cannot connect.
'use strict';

const dmr = {
  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  },

  bytes(value) {
    if (value == null) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    while (value >= 1024 && i < units.length - 1) { value /= 1024; i++; }
    return (i ? value.toFixed(1) : String(value)) + ' ' + units[i];
  },

  kib(value) { return value == null ? '–' : dmr.bytes(value * 1024); },

  percent(value) { return value == null ? '–' : value.toFixed(1) + ' %'; },

  ago(iso) {
    if (!iso) return 'never';
    const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (seconds < 60) return Math.round(seconds) + ' s ago';
    if (seconds < 3600) return Math.round(seconds / 60) + ' min ago';
    if (seconds < 86400) return Math.round(seconds / 3600) + ' h ago';
    return Math.round(seconds / 86400) + ' d ago';
  },

  duration(seconds) {
    if (seconds == null) return '–';
    const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
    const m = Math.floor(seconds % 3600 / 60);
    return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min`;
  },

  async json(url) {
    const response = await fetch(url, {cache: 'no-store'});
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  },

  // What to call a device: the name the operator gave it, else its hostname.
  name(device) { return device.display_name || device.hostname || device.device_id; },

  // onDevices(list, full): full is true for a whole list, false for changes.
  // onRemoved(uuids): devices deleted, or merged into another.
  // poll() is what runs every few seconds while the WebSocket is down.
  // onAlert(alert): an alert raised, cleared, acknowledged or silenced.
  liveFeed({subscribe, onDevices, onRemoved, onAlert, poll, indicator}) {
    let socket = null, timer = null, retry = 1000;
    const setState = (text, on) => {
      if (!indicator) return;
      indicator.textContent = text;
      indicator.classList.toggle('on', on);
    };
    const startPolling = () => {
      if (timer) return;
      setState('polling every 5 s', false);
      poll();
      timer = setInterval(poll, 5000);
    };
    const connect = () => {
      if (!('WebSocket' in window)) return startPolling();
      const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
      try { socket = new WebSocket(url); } catch (e) { return startPolling(); }
      socket.onopen = () => {
        retry = 1000;
        if (timer) { clearInterval(timer); timer = null; }
        setState('live', true);
        if (subscribe) socket.send(JSON.stringify({subscribe}));
      };
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === 'alert') {
          if (onAlert) onAlert(message.alert);
          return;
        }
        if (message.type === 'removed') {
          if (onRemoved) onRemoved(message.uuids || []);
          return;
        }
        onDevices(message.devices || [], message.type === 'devices');
      };
      socket.onclose = () => {
        startPolling();
        setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30000);
      };
    };
    connect();
  },
};
