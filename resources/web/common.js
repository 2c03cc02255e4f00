// SPDX-License-Identifier: MIT
// Shared by the pages: formatting, the session and writes made with it, and a
// live feed that prefers the WebSocket and falls back to polling when it
// cannot connect.
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
    if (!response.ok) throw await dmr.failure(url, response);
    return response.json();
  },

  // A write: JSON in and out, with the session's CSRF token, which the
  // console wants on every cookie-authenticated POST, PUT, PATCH and DELETE.
  // Resolves to the answer's JSON, or null for 204.
  async send(method, url, body) {
    const session = await dmr.session().catch(() => null);
    const headers = {'Content-Type': 'application/json'};
    if (session && session.csrf_token) headers['X-CSRF-Token'] = session.csrf_token;
    const response = await fetch(url, {method, headers, cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body)});
    if (!response.ok) throw await dmr.failure(url, response);
    return response.status === 204 ? null : response.json();
  },

  // An Error with the console's own message ({"error": "..."}) and the status.
  // A 401 means the session ended (or there never was one), so the page goes
  // to sign in and comes back here afterwards.
  async failure(url, response) {
    if (response.status === 401) dmr.toLogin();
    const body = await response.json().catch(() => ({}));
    const error = new Error(body.error || `${url}: ${response.status}`);
    error.status = response.status;
    return error;
  },

  leaving: false,
  toLogin() {
    // Every poll and request of a page whose session ended lands here; one
    // navigation is enough.
    if (dmr.leaving) return;
    dmr.leaving = true;
    location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
  },

  // Who is signed in, once per page: {user, role, csrf_token, auth_required}.
  // user is null when the console asks nobody to sign in (on loopback).
  sessionPromise: null,
  session() {
    if (!dmr.sessionPromise) {
      dmr.sessionPromise = fetch('/api/session/', {cache: 'no-store'}).then(async (response) => {
        if (!response.ok) throw await dmr.failure('/api/session/', response);
        return response.json();
      });
    }
    return dmr.sessionPromise;
  },

  // Whether a role does what `needed` may: viewer < operator < admin.
  can(role, needed) {
    const order = ['viewer', 'operator', 'admin'];
    return order.indexOf(role) >= order.indexOf(needed) && order.includes(needed);
  },

  // The header's corner: who is signed in, as what, and the way out (or in).
  userBar(box) {
    if (!box) return;
    dmr.session().then((session) => {
      if (!session.user) {
        if (!session.auth_required) {
          box.replaceChildren(dmr.el('a', {id: 'sign-in', class: 'button',
            href: '/login?next=' + encodeURIComponent(location.pathname + location.search),
            text: 'Sign in'}));
        }
        return;
      }
      const signOut = dmr.el('button', {id: 'sign-out', type: 'button', text: 'Sign out'});
      signOut.addEventListener('click', () => {
        signOut.disabled = true;
        // Off to sign in whatever the answer: a session the console no
        // longer knows is as ended as one it just ended.
        dmr.send('DELETE', '/api/session/').catch(() => {}).then(() => {
          dmr.leaving = true;
          location.assign('/login');
        });
      });
      box.replaceChildren(
        dmr.el('span', {class: 'who', title: 'Signed in'},
          dmr.el('b', {text: session.user.name}), ' ',
          dmr.el('span', {class: 'role', text: session.role})),
        ...(dmr.can(session.role, 'admin') && location.pathname !== '/admin/' ?
          [dmr.el('a', {class: 'button', href: '/admin/', 'data-role': 'admin', text: 'Admin'})] : []),
        signOut);
    }).catch(() => {});
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
