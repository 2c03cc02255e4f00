// SPDX-License-Identifier: MIT
// The admin page: users and their roles, API tokens, and the audit log. The
// console refuses all of it to anyone but an admin; the page only spares
// everyone else buttons that would fail.
'use strict';

(() => {
  const byId = (id) => document.getElementById(id);
  const roles = ['viewer', 'operator', 'admin'];
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
  const cell = (text, attrs) => dmr.el('td', Object.assign({text}, attrs));
  const since = (iso) => cell(iso ? dmr.ago(iso) : 'never', iso ? {title: when(iso)} : {});
  let me = null; // the admin's own name

  // One line under each table, for what went wrong or what was done; "done"
  // is said once the table shows it.
  const say = (id, text, failed = true) => {
    const node = byId(id);
    node.className = failed ? 'error' : 'done';
    node.textContent = text || '';
  };
  const roleSelect = (value, label) => {
    const select = dmr.el('select', {'aria-label': label},
      ...roles.map((role) => dmr.el('option', {value: role, text: role})));
    select.value = value;
    return select;
  };
  // Asks on the button itself rather than with confirm(): a modal dialog
  // blocks the page, and a second click is as deliberate.
  const confirmButton = (text, action) => {
    const button = dmr.el('button', {type: 'button', class: 'danger', text});
    let armed = null;
    button.addEventListener('click', () => {
      if (!armed) {
        button.textContent = `Confirm ${text.toLowerCase()}`;
        armed = setTimeout(() => { armed = null; button.textContent = text; }, 4000);
        return;
      }
      clearTimeout(armed);
      button.disabled = true;
      action().catch(() => { button.disabled = false; });
    });
    return button;
  };
  // Disables a form's buttons while its request runs.
  const busy = (form, promise) => {
    const buttons = form.querySelectorAll('button');
    for (const b of buttons) b.disabled = true;
    return promise.finally(() => { for (const b of buttons) b.disabled = false; });
  };

  // Users.
  const userUrl = (name) => `/api/users/${encodeURIComponent(name)}/`;
  const userFailed = (error) => {
    say('users-message', error.message);
    throw error;
  };
  const passwordCell = (user) => {
    const td = dmr.el('td');
    const reset = dmr.el('button', {type: 'button', text: 'Reset password'});
    reset.addEventListener('click', () => {
      const input = dmr.el('input', {type: 'password', autocomplete: 'new-password', required: '',
        placeholder: 'New password', 'aria-label': `New password for ${user.name}`});
      const cancel = dmr.el('button', {type: 'button', text: 'Cancel'});
      // Whose password it is, for a password manager that offers to keep it.
      const account = dmr.el('input', {type: 'text', autocomplete: 'username', hidden: '',
        value: user.name, tabindex: '-1', 'aria-hidden': 'true'});
      const form = dmr.el('form', {class: 'inline-form'}, account, input,
        dmr.el('button', {type: 'submit', text: 'Set'}), cancel);
      cancel.addEventListener('click', () => td.replaceChildren(reset));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        busy(form, dmr.send('PUT', userUrl(user.name), {password: input.value})).then(() => {
          td.replaceChildren(reset);
          say('users-message', `The password of ${user.name} is changed.`, false);
          loadAudit();
        }).catch((error) => say('users-message', error.message));
      });
      td.replaceChildren(form);
      input.focus();
    });
    td.append(reset);
    return td;
  };
  const userRow = (user) => {
    const role = roleSelect(user.role, `Role of ${user.name}`);
    role.addEventListener('change', () => {
      role.disabled = true;
      dmr.send('PUT', userUrl(user.name), {role: role.value}).then(() =>
        Promise.all([loadUsers(), loadAudit()])).then(() => {
        say('users-message', `${user.name} is now ${role.value}.`, false);
      }).catch((error) => {
        role.value = user.role;
        role.disabled = false;
        say('users-message', error.message);
      });
    });
    const remove = confirmButton('Delete', () =>
      dmr.send('DELETE', userUrl(user.name)).then(() =>
        Promise.all([loadUsers(), loadTokens(), loadAudit()]), userFailed).then(() => {
        say('users-message', `${user.name} is deleted.`, false);
      }));
    return dmr.el('tr', {'data-name': user.name},
      dmr.el('td', {}, dmr.el('b', {text: user.name}), user.name === me ? ' (you)' : ''),
      dmr.el('td', {}, role), cell(when(user.created_at)), since(user.last_login),
      passwordCell(user), dmr.el('td', {}, remove));
  };
  const loadUsers = () => dmr.json('/api/users/')
    .then((list) => byId('users').replaceChildren(...list.map(userRow)))
    .catch((error) => say('users-message', error.message));

  const addUser = byId('user-add');
  addUser.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = byId('user-name').value.trim();
    busy(addUser, dmr.send('POST', '/api/users/',
      {name, password: byId('user-password').value, role: byId('user-role').value})).then(() => {
      addUser.reset();
      return Promise.all([loadUsers(), loadAudit()]);
    }).then(() => {
      say('users-message', `${name} is added.`, false);
    }).catch((error) => say('users-message', error.message));
  });

  // Tokens.
  const tokenRow = (token) => {
    const expired = token.expires_at && Date.parse(token.expires_at) <= Date.now();
    const state = token.revoked ? 'revoked' : expired ? 'expired' : 'active';
    const revoke = token.revoked ? '' : confirmButton('Revoke', () =>
      dmr.send('DELETE', `/api/tokens/${encodeURIComponent(token.id)}/`).then(() =>
        Promise.all([loadTokens(), loadAudit()]), (error) => {
        say('tokens-message', error.message);
        throw error;
      }).then(() => {
        say('tokens-message', `The token ${token.name} is revoked.`, false);
      }));
    return dmr.el('tr', {'data-id': String(token.id), 'data-state': state},
      cell(token.name), cell(token.user), cell(token.role), cell(when(token.created_at)),
      cell(token.expires_at ? when(token.expires_at) : 'never'), since(token.last_used),
      cell(state), dmr.el('td', {}, revoke));
  };
  const loadTokens = () => dmr.json('/api/tokens/')
    .then((list) => byId('tokens').replaceChildren(...list.map(tokenRow)))
    .catch((error) => say('tokens-message', error.message));

  const addToken = byId('token-add');
  const secret = byId('token-secret');
  addToken.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {name: byId('token-name').value.trim(), role: byId('token-role').value};
    const days = byId('token-days').value;
    if (days) body.expires_in_days = Number(days);
    busy(addToken, dmr.send('POST', '/api/tokens/', body)).then((token) => {
      addToken.reset();
      say('tokens-message', '');
      byId('token-value').textContent = token.token;
      byId('token-copy').textContent = 'Copy';
      secret.hidden = false;
      return Promise.all([loadTokens(), loadAudit()]);
    }).catch((error) => say('tokens-message', error.message));
  });
  byId('token-copy').addEventListener('click', () => {
    const value = byId('token-value');
    navigator.clipboard.writeText(value.textContent).then(() => {
      byId('token-copy').textContent = 'Copied';
    }, () => {
      // No clipboard (not allowed here): selected, for the user to copy.
      getSelection().selectAllChildren(value);
    });
  });
  // The secret leaves the page once the admin says they have it.
  byId('token-done').addEventListener('click', () => {
    secret.hidden = true;
    byId('token-value').textContent = '';
  });

  // The audit log, newest first as the console sends it.
  const loadAudit = () => dmr.json('/api/audit/?limit=200').then((list) => {
    byId('audit').replaceChildren(...list.map((entry) =>
      dmr.el('tr', {'data-status': entry.status == null ? '' : String(entry.status)},
        cell(when(entry.at), {title: entry.at || ''}), cell(entry.user || '–'),
        cell(entry.action || ''), cell(entry.target || ''), cell(entry.address || ''),
        cell(entry.status == null ? '' : String(entry.status)))));
    say('audit-message', '');
  }).catch((error) => say('audit-message', error.message));
  byId('audit-refresh').addEventListener('click', loadAudit);

  dmr.userBar(byId('user'));
  dmr.session().then((session) => {
    byId('loading').hidden = true;
    if (!dmr.can(session.role, 'admin')) {
      byId('denied').hidden = false;
      return;
    }
    me = session.user && session.user.name;
    byId('admin').hidden = false;
    loadUsers();
    loadTokens();
    loadAudit();
  }).catch((error) => { byId('loading').textContent = error.message; });
})();
