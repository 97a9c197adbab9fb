// Loaded on every signed-in page, before the page's own scripts. It keeps what a canvasser needs
// with no signal and never loses an answer:
// - walks (payloads) and answers (events with their own UUIDs) live in IndexedDB, each tagged with
//   the account that holds them; an outbox of answers is sent to POST /api/v1/sync whenever the
//   server can be reached (sending the same answer twice stores it once);
// - a teller's numbers (and their undos) are events of the same outbox, sent to
//   POST /api/v1/tellings; the names of a polling district's voters are kept for the teller;
// - for a canvasser, the list of their walks and every walk assigned to them are saved on the
//   phone as soon as they sign in, so "My walks" and each walk open with no signal;
// - signing out deletes the electoral data from the phone, but only once every answer is sent,
//   or when the canvasser says, knowing what it means, to delete the unsent ones.
'use strict';
(function () {
  const PAGES = 'groundgame-pages';
  const BATCH = 50;
  const PRECACHE_EVERY_MS = 10 * 60 * 1000;
  const meta = (name) => { const m = document.querySelector('meta[name="' + name + '"]'); return m ? m.content : null; };
  const user = meta('gg-user');
  const canvasser = meta('gg-canvasser') === '1';
  const teller = meta('gg-teller') === '1';
  const csrfNow = meta('csrf-token');

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/sw.js').catch(() => {});
  }

  // ---- IndexedDB ----------------------------------------------------------------------------
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const r = indexedDB.open('groundgame', 3);
        r.onupgradeneeded = (ev) => {
          const d = r.result;
          if (ev.oldVersion < 1) {
            d.createObjectStore('walks', { keyPath: 'walk.id' });
            d.createObjectStore('events', { keyPath: 'id' });
            d.createObjectStore('meta');
          }
          // Polling-day lists, one record per account and list: a district's voters by number
          // (names only) for a teller, a walk's knock-up list for a knocker.
          if (ev.oldVersion < 3) d.createObjectStore('names', { keyPath: 'key' });
        };
        // A tab still open on an older page holds the old version: ask for it to be closed.
        r.onblocked = () => {
          const el = document.getElementById('sync-status');
          if (el) el.textContent = 'Close groundgame\'s other tabs on this phone: this page cannot save anything until they are closed.';
        };
        r.onsuccess = () => {
          // ... and this tab gives way when a newer page needs the store upgraded.
          r.result.onversionchange = () => { r.result.close(); dbPromise = null; };
          resolve(r.result);
        };
        r.onerror = () => reject(r.error);
      });
    }
    return dbPromise;
  }
  async function store(name, mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const t = d.transaction(name, mode);
      const s = t.objectStore(name);
      let result;
      const req = fn(s);
      if (req) req.onsuccess = () => { result = req.result; };
      t.oncomplete = () => resolve(result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }
  const get = (name, key) => store(name, 'readonly', (s) => s.get(key));
  const put = (name, value, key) => store(name, 'readwrite', (s) => (key === undefined ? s.put(value) : s.put(value, key)));
  const del = (name, key) => store(name, 'readwrite', (s) => s.delete(key));
  const all = (name) => store(name, 'readonly', (s) => s.getAll());

  // Answers recorded before events carried their account belong to whoever held the phone then:
  // the account the phone last knew.
  async function owner(e) {
    if (e.user) return e.user;
    return (await get('meta', 'user')) || user;
  }
  async function myEvents() {
    const out = [];
    for (const e of await all('events')) if ((await owner(e)) === user) out.push(e);
    return out;
  }

  // The CSRF token of the session, kept for when the page comes from the cache.
  async function csrf() {
    if (csrfNow) {
      await put('meta', csrfNow, 'csrf:' + user);
      return csrfNow;
    }
    return get('meta', 'csrf:' + user);
  }

  // Another account signed in on this phone: the previous account's walks and sent answers go;
  // answers it has not sent stay (never deleted unasked) and wait for it to sign in again.
  async function adoptPhone() {
    if (!user) return;
    const previous = await get('meta', 'user');
    if (previous && previous !== user) {
      for (const w of await all('walks')) if (String(w.holder || previous) !== user) await del('walks', w.walk.id);
      for (const n of await all('names')) if (String(n.holder) !== user) await del('names', n.key);
      for (const e of await all('events')) {
        const who = e.user || previous;
        if (who !== user && e.state === 'sent') await del('events', e.id);
        else if (!e.user) { e.user = who; await put('events', e); }
      }
      await put('meta', 0, 'precached:' + previous);
      try { await caches.delete(PAGES); } catch (err) { /* no cache */ }
    }
    await put('meta', user, 'user');
  }

  // A UUID version 7: the time in milliseconds first, then random bits. Ids made in time order
  // are stored next to each other on the server, which keeps syncing fast as contacts pile up.
  function uuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    let t = Date.now();
    for (let i = 5; i >= 0; i--) { b[i] = t % 256; t = Math.floor(t / 256); }
    b[6] = (b[6] & 0x0f) | 0x70;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // ---- Sync ---------------------------------------------------------------------------------
  let syncing = null;
  let lastError = '';
  const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);

  async function counts() {
    const events = await all('events');
    const mine = [];
    let others = 0;
    for (const e of events) {
      if ((await owner(e)) === user) mine.push(e);
      else if (e.state !== 'sent') others++;
    }
    return {
      unsent: mine.filter((e) => e.state === 'unsent').length,
      sent: mine.filter((e) => e.state === 'sent').length,
      refused: mine.filter((e) => e.state === 'refused'),
      others,
    };
  }

  async function showStatus() {
    const el = document.getElementById('sync-status');
    if (!el) return;
    const c = await counts();
    // The page says what its events are: answers (the canvasser app) or numbers (a teller's).
    const one = el.dataset.noun || 'answer', many = one + 's';
    let text;
    if (c.unsent === 0) text = c.sent ? (c.sent === 1 ? 'Your 1 ' + one + ' is sent.' : 'All ' + c.sent + ' of your ' + many + ' are sent.') : 'Nothing recorded yet.';
    else text = plural(c.unsent, one, many) + ' waiting to send' + (lastError ? ' (' + lastError + ')' : '') + (c.unsent === 1 ? '. It is' : '. They are') + ' safe on this phone.';
    el.textContent = text;
    el.dataset.unsent = String(c.unsent);
    el.dataset.refused = String(c.refused.length);
    let list = document.getElementById('refused');
    if (c.refused.length) {
      if (!list) {
        list = document.createElement('div');
        list.id = 'refused';
        list.className = 'error';
        list.setAttribute('role', 'alert');
        el.after(list);
      }
      const items = c.refused.map((e) => {
        const li = document.createElement('li');
        li.textContent = (e.label || 'An answer') + ': ' + e.reason;
        return li;
      });
      const p = document.createElement('p');
      p.textContent = plural(c.refused.length, 'answer was', 'answers were') + ' not taken by the server. They stay on this phone: show your organiser.';
      const ul = document.createElement('ul');
      ul.append(...items);
      list.replaceChildren(p, ul);
    } else if (list) {
      list.remove();
    }
    if (c.others) {
      const note = document.createElement('p');
      note.className = 'hint';
      note.textContent = plural(c.others, 'answer', 'answers') + ' recorded on this phone by another account are waiting for that account to sign in and send them.';
      el.append(' ', note);
    }
  }

  // What each kind of event is sent as. Contacts first, then tellings, then the undos of
  // tellings (so an undo never reaches the server before what it undoes).
  const kindOf = (e) => e.kind || 'contact';

  async function post(url, token, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token || '' },
      body: JSON.stringify(body),
    });
  }

  // Sends one batch of a kind: says whether to go on (something was taken) or stop for now.
  async function sendBatch(kind, unsent, token) {
    let response;
    try {
      if (kind === 'contact') {
        response = await post('/api/v1/sync', token, { contacts: unsent.map((e) => e.contact), sent_at: new Date().toISOString() });
      } else if (kind === 'knock') {
        response = await post('/api/v1/knock-up/answers', token, { answers: unsent.map((e) => e.knock) });
      } else if (kind === 'telling') {
        response = await post('/api/v1/tellings', token, { entries: unsent.map((e) => e.telling) });
      } else if (kind === 'withdraw') {
        response = await fetch('/api/v1/tellings/' + unsent[0].withdraw, {
          method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': token || '' },
        });
      } else if (kind === 'count') {
        response = await post('/api/v1/polling-stations/' + unsent[0].count.station + '/counts', token, { ballot_papers: unsent[0].count.ballot_papers });
      } else {
        return false;
      }
    } catch (e) {
      lastError = 'no connection';
      return false;
    }
    if (response.status === 401) { lastError = 'sign in again to send them'; return false; }
    if (response.status === 403) { lastError = 'reload the page to send them'; return false; }
    const done = async (e, fields) => { Object.assign(e, fields); await put('events', e); };
    if (kind === 'withdraw' || kind === 'count') {
      // An undo of a telling the server does not have (404) has nothing left to do.
      // An undo of a telling the server does not have (404; the telling was sent, so it was
      // refused or taken back already) has nothing left to do.
      if (response.ok || (kind === 'withdraw' && response.status === 404)) { await done(unsent[0], { state: 'sent' }); return true; }
      if (response.status === 400 || response.status === 404) {
        let reason = 'refused';
        try { reason = (await response.json()).error || reason; } catch (e) { /* not JSON */ }
        await done(unsent[0], { state: 'refused', reason: reason });
        return true;
      }
      lastError = 'the server said ' + response.status;
      return false;
    }
    if (!response.ok) { lastError = 'the server said ' + response.status; return false; }
    const report = await response.json();
    const byId = new Map(unsent.map((e) => [e.id, e]));
    let taken = 0;
    for (const id of (report.stored || []).concat(report.duplicates || [])) {
      const e = byId.get(id);
      if (e) { await done(e, { state: 'sent' }); taken++; }
    }
    for (const id of report.unknown || []) {
      const e = byId.get(id);
      if (e) { await done(e, { state: 'sent', unknown: true }); taken++; }
    }
    for (const r of report.rejected || []) {
      const e = byId.get(r.id);
      if (e) { await done(e, { state: 'refused', reason: r.reason }); taken++; }
    }
    // Whatever the server did not speak of stays unsent, to be sent again.
    return taken > 0;
  }

  async function sendAll() {
    const token = await csrf();
    for (const kind of ['contact', 'knock', 'telling', 'withdraw', 'count']) {
      const one = kind === 'withdraw' || kind === 'count';
      for (;;) {
        const mine = await myEvents();
        // An undo waits until the phone has sent the telling it takes back.
        const pending = new Set(mine.filter((e) => kindOf(e) === 'telling' && e.state === 'unsent').map((e) => e.id));
        const unsent = mine.filter((e) => e.state === 'unsent' && kindOf(e) === kind && !(kind === 'withdraw' && pending.has(e.withdraw)))
          .sort((x, y) => (x.at || 0) - (y.at || 0)).slice(0, one ? 1 : BATCH);
        if (!unsent.length) break;
        if (!(await sendBatch(kind, unsent, token))) return;
      }
    }
    lastError = '';
  }

  function sync() {
    if (!user) return Promise.resolve();
    if (!syncing) {
      syncing = sendAll().catch(() => {}).finally(async () => {
        syncing = null;
        await showStatus();
      });
    }
    return syncing;
  }

  async function record(contact, label) {
    await put('events', { id: contact.id, user: user, state: 'unsent', label: label, contact: contact, at: Date.now() });
    await showStatus();
    sync();
  }

  // Any other kind of event: a telling (whose own id is the event's), the undo of one (the id
  // of the telling it takes back), a station's count.
  async function recordEvent(kind, payload, label) {
    const id = (payload && payload.id) || uuid();
    const e = { id: id, user: user, state: 'unsent', label: label, kind: kind, at: Date.now() };
    e[kind] = payload;
    await put('events', e);
    await showStatus();
    sync();
    return e;
  }

  // ---- Walks kept on the phone --------------------------------------------------------------
  async function savePage(path) {
    const cache = await caches.open(PAGES);
    const r = await fetch(path, { credentials: 'same-origin' });
    if (r.ok && !r.redirected) await cache.put(path, r);
  }

  async function saveWalk(id) {
    const r = await fetch('/api/v1/walks/' + id + '/canvass', { credentials: 'same-origin' });
    if (!r.ok) throw new Error('status ' + r.status);
    const payload = await r.json();
    payload.holder = user;
    await put('walks', payload);
    try { await savePage('/canvass/walks/' + id); } catch (e) { /* kept on first visit instead */ }
    return payload;
  }

  // Every walk assigned to this canvasser, and the list of them, saved for when there is no signal.
  // One at a time: a second ask waits for the one under way.
  let precaching = null;
  function precache(force) {
    if (!precaching) precaching = keepWalks(force).finally(() => { precaching = null; });
    return precaching;
  }
  async function keepWalks(force) {
    if (!canvasser || !navigator.onLine) return;
    const last = (await get('meta', 'precached:' + user)) || 0;
    if (!force && Date.now() - last < PRECACHE_EVERY_MS) return;
    let walks;
    try {
      const r = await fetch('/api/v1/my/walks', { credentials: 'same-origin' });
      if (!r.ok) return;
      walks = await r.json();
      await savePage('/canvass');
    } catch (e) { return; }
    const keep = new Set(walks.map((w) => w.id));
    for (const w of walks) {
      try { await saveWalk(w.id); } catch (e) { /* tried again next time */ }
      try { await savePage('/canvass/walks/' + w.id + '/knock-up'); } catch (e) { /* kept on the first visit instead */ }
    }
    // Walks no longer theirs leave the phone (their answers stay until sent).
    for (const w of await all('walks')) if (String(w.holder) === user && !keep.has(w.walk.id)) await del('walks', w.walk.id);
    await put('meta', Date.now(), 'precached:' + user);
    document.documentElement.dataset.precached = String(walks.length);
  }

  // ---- Signing out --------------------------------------------------------------------------
  async function forget() {
    for (const w of await all('walks')) if (String(w.holder || user) === user) await del('walks', w.walk.id);
    for (const e of await myEvents()) await del('events', e.id);
    for (const n of await all('names')) if (String(n.holder) === user) await del('names', n.key);
    await del('meta', 'csrf:' + user);
    await del('meta', 'precached:' + user);
    await del('meta', 'user');
    try { await caches.delete(PAGES); } catch (e) { /* no cache */ }
  }

  function guardSignOut(form) {
    let confirmed = false;
    form.addEventListener('submit', async (ev) => {
      if (confirmed) return;
      ev.preventDefault();
      const dialog = document.getElementById('unsent-dialog');
      const leave = async () => { await forget(); confirmed = true; form.submit(); };
      let c = await counts();
      if (c.unsent === 0 && c.refused.length === 0) return leave();
      await sync();
      c = await counts();
      if (c.unsent === 0 && c.refused.length === 0) return leave();
      const text = document.getElementById('unsent-text');
      const say = () => {
        const parts = [];
        if (c.unsent) parts.push(plural(c.unsent, 'answer has', 'answers have') + ' not reached the server yet');
        if (c.refused.length) parts.push(plural(c.refused.length, 'answer was', 'answers were') + ' refused by the server');
        text.textContent = parts.join(', and ') + '. Signing out deletes them from this phone. Send them first when you have signal, or show the refused ones to your organiser.';
      };
      say();
      dialog.hidden = false;
      document.getElementById('unsent-send').focus();
      document.getElementById('unsent-send').onclick = async () => {
        await sync();
        c = await counts();
        if (c.unsent === 0 && c.refused.length === 0) return leave();
        say();
        text.textContent += ' Still no connection: stay signed in and try again with signal.';
      };
      document.getElementById('unsent-stay').onclick = () => { dialog.hidden = true; };
      document.getElementById('unsent-discard').onclick = leave;
    });
  }

  // ---- Small things the pages need, without inline scripts ----------------------------------
  document.querySelectorAll('form[action="/logout"], form[action="/account/sign-out-everywhere"]').forEach(guardSignOut);
  document.querySelectorAll('input.copy').forEach((i) => i.addEventListener('focus', () => i.select()));
  document.querySelectorAll('[data-print]').forEach((b) => b.addEventListener('click', () => window.print()));
  // A teller's page is kept for when there is no signal, as a canvasser's walks are: saved from
  // here, since the first visit comes before the service worker is in charge of the page.
  async function keepTellerPage() {
    if (!teller || !navigator.onLine) return;
    try { await savePage('/tell'); } catch (e) { /* kept on the first visit instead */ }
  }
  window.addEventListener('online', () => { sync(); precache(false); });
  setInterval(sync, 5000);

  window.gg = { get, put, del, all, uuid, record, recordEvent, sync, showStatus, saveWalk, precache, myEvents, user, plural };
  // The page's own scripts wait for the phone to be adopted, never for the precaching, which
  // goes on in the background.
  window.ggReady = adoptPhone().catch(() => {});
  window.ggReady.then(() => showStatus()).then(() => { sync(); keepTellerPage(); return precache(false); }).catch(() => {});
})();
