// SPDX-License-Identifier: MIT
// The sign-in form: a name and a password for a session cookie, then back to
// the page that sent the user here.
'use strict';

(() => {
  const form = document.getElementById('login');
  const name = document.getElementById('name');
  const password = document.getElementById('password');
  const submit = document.getElementById('submit');
  const error = document.getElementById('error');

  // ?next= is only followed to a page of this console: anything else would
  // let a link sign a user in here and hand them, trusting, to another site.
  // "//host" and "/\host" are other hosts to a browser, and it drops tabs and
  // newlines from an address, so "/<tab>/host" is one too. The address gone
  // to is the absolute one: "/.//host" resolves to the path "//host", which
  // as a relative address would be another host again.
  const next = (() => {
    const wanted = new URLSearchParams(location.search).get('next') || '';
    if (!/^\/(?![/\\])/.test(wanted) || /[\u0000-\u001f\u007f\\]/.test(wanted)) return '/';
    const url = new URL(wanted, location.origin);
    return url.origin === location.origin ? url.href : '/';
  })();

  const say = (text) => {
    // Emptied first, so that the same message twice is announced twice.
    error.textContent = '';
    requestAnimationFrame(() => { error.textContent = text; });
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    let wait = 0;
    try {
      const response = await fetch('/api/session/', {
        method: 'POST', cache: 'no-store', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({name: name.value.trim(), password: password.value}),
      });
      if (response.ok) {
        location.replace(next);
        return;
      }
      const body = await response.json().catch(() => ({}));
      say(body.error || `Signing in failed (${response.status})`);
      // After too many attempts another one only extends the wait.
      if (response.status === 429) wait = Number(response.headers.get('Retry-After')) || 0;
      password.value = '';
      password.focus();
    } catch (e) {
      say(`The console did not answer (${e.message})`);
    }
    setTimeout(() => { submit.disabled = false; }, Math.min(wait, 3600) * 1000);
  });
})();
