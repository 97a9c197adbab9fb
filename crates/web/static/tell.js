// The teller's page: choose the station's polling district once, type each voter's number as
// printed (124, 124/1, 124.1), see the name to confirm, strike off. Every number is an event with
// its own UUID kept on the phone first and sent through offline.js's outbox (sending it twice
// stores it once), so no signal at the station loses nothing. Undo takes back one of the last
// three; a telling slip strikes off a column of numbers at once.
'use strict';
(function () {
  const gg = window.gg;
  const $ = (id) => document.getElementById(id);
  const district = $('district'), number = $('number'), who = $('who'), recent = $('recent'), namesStatus = $('names-status');
  const UNDO = 3;
  let names = null; // number -> name, for the district chosen

  // What the teller typed, as the district's list keys it: 124/1 from 124.1, 124-1, 124 / 1.
  function key(typed) {
    const t = typed.replace(/\s+/g, '');
    const m = /^0*(\d{1,6})(?:[\/.\-]0*(\d{1,4}))?$/.exec(t);
    if (!m) return null;
    return m[2] && Number(m[2]) !== 0 ? m[1] + '/' + m[2] : m[1];
  }

  async function loadNames(code) {
    names = null;
    if (!code) { namesStatus.textContent = ''; return; }
    const kept = await gg.get('names', gg.user + ':' + code);
    if (kept) { names = kept.electors; }
    namesStatus.textContent = kept ? 'Names of ' + code + ' are on this phone.' : 'Getting the names of ' + code + '…';
    if (navigator.onLine) {
      try {
        const r = await fetch('/api/v1/teller/names?polling_district=' + encodeURIComponent(code), { credentials: 'same-origin' });
        if (r.ok) {
          const body = await r.json();
          const map = {};
          for (const e of body.electors) map[e.number] = e.name;
          await gg.put('names', { key: gg.user + ':' + code, holder: gg.user, district: code, electors: map });
          names = map;
          namesStatus.textContent = 'Names of ' + code + ' are on this phone (' + body.electors.length + ' voters).';
        } else if (!kept) {
          namesStatus.textContent = 'The names of ' + code + ' could not be had (the server said ' + r.status + '): numbers are still taken.';
        }
      } catch (e) {
        if (!kept) namesStatus.textContent = 'No signal, and the names of ' + code + ' are not on this phone: numbers are still taken and sent later.';
      }
    } else if (!kept) {
      namesStatus.textContent = 'No signal, and the names of ' + code + ' are not on this phone: numbers are still taken and sent later.';
    }
    showWho();
  }

  function showWho() {
    const typed = number.value.trim();
    if (!typed) { who.textContent = district.value ? 'Type the number on the poll card.' : 'Choose your polling district first.'; return; }
    if (/^[A-Za-z]/.test(typed)) { who.textContent = 'A whole elector number: ' + typed.toUpperCase(); return; }
    const k = key(typed);
    if (!k) { who.textContent = typed + ' is not a number as printed: type it like 124 or 124/1.'; return; }
    if (!names) { who.textContent = district.value + ' ' + k; return; }
    who.textContent = names[k] ? k + ': ' + names[k] : 'No voter ' + k + ' in ' + district.value + ': it will be kept aside for the committee room to check.';
  }

  async function strike(typed) {
    const code = district.value;
    const t = typed.trim();
    if (!code) { who.textContent = 'Choose your polling district first.'; district.focus(); return false; }
    if (!t) { who.textContent = 'Type the number on the poll card.'; return false; }
    if ((!/^[A-Za-z]/.test(t) && !key(t)) || t.length > 32) { who.textContent = t.slice(0, 40) + ' is not a number as printed: type it like 124 or 124/1.'; return false; }
    const k = key(t) || t;
    const name = names && names[k];
    const telling = { id: gg.uuid(), polling_district: code, number: t, recorded_at: new Date().toISOString() };
    await gg.recordEvent('telling', telling, code + ' ' + k + (name ? ' (' + name + ')' : ''));
    $('said').textContent = 'Struck off ' + code + ' ' + k + (name ? ', ' + name : '') + '.';
    return true;
  }

  let shown = '';
  async function showRecent() {
    const mine = (await gg.myEvents()).filter((e) => e.kind === 'telling' || e.kind === 'withdraw');
    const undone = new Set(mine.filter((e) => e.kind === 'withdraw').map((e) => e.withdraw));
    const tellings = mine.filter((e) => e.kind === 'telling').sort((a, b) => b.at - a.at).slice(0, 10);
    const undoable = tellings.filter((t) => !undone.has(t.id)).slice(0, UNDO).map((t) => t.id);
    const items = tellings.map((t) => {
      const li = document.createElement('li');
      let state = t.state === 'unsent' ? 'waiting to send' : t.state === 'refused' ? 'refused: ' + t.reason : t.unknown ? 'sent, kept aside (matches nobody)' : 'struck off';
      if (undone.has(t.id)) { state = 'taken back'; li.className = 'undone'; }
      li.append(t.label + ' · ' + state);
      li.dataset.telling = t.id;
      if (undoable.includes(t.id)) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'link';
        b.textContent = 'Undo';
        b.setAttribute('aria-label', 'Undo ' + t.label);
        b.addEventListener('click', async () => {
          await gg.recordEvent('withdraw', t.id, 'Undo ' + t.label);
          await showRecent();
          number.focus();
        });
        li.append(' ', b);
      }
      return li;
    });
    // Drawn again only when something changed, keeping the keyboard's place on an Undo.
    const signature = items.map((li) => li.dataset.telling + li.textContent).join('|');
    if (signature === shown) return;
    shown = signature;
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest('#recent li') : null;
    const keep = focused ? focused.dataset.telling : null;
    recent.replaceChildren(...items);
    if (keep) {
      const again = recent.querySelector('li[data-telling="' + keep + '"] button') || number;
      again.focus();
    }
  }

  document.querySelectorAll('.keypad button').forEach((b) => b.addEventListener('click', () => {
    const k = b.dataset.key;
    number.value = k === 'back' ? number.value.slice(0, -1) : number.value + k;
    showWho();
  }));
  number.addEventListener('input', showWho);
  district.addEventListener('change', async () => {
    await gg.put('meta', district.value, 'tell-district:' + gg.user);
    await loadNames(district.value);
    number.focus();
  });
  $('entry').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    // Taken out of the field at once: a fast teller's next number, typed while this one is
    // kept, goes into an empty field and is never run into this one.
    const typed = number.value;
    number.value = '';
    if (await strike(typed)) {
      showWho();
      await showRecent();
    } else if (!number.value) {
      number.value = typed;
    }
    number.focus();
  });
  $('slip').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const area = $('slip-numbers');
    const lines = area.value.split(/[\n,;]+/).map((l) => l.trim()).filter((l) => l);
    const bad = lines.filter((l) => (!/^[A-Za-z]/.test(l) && !key(l)) || l.length > 32);
    if (!district.value) { who.textContent = 'Choose your polling district first.'; return; }
    if (bad.length) { who.textContent = 'Not numbers as printed: ' + bad.join(', ') + '. Nothing was struck off: correct them and try again.'; return; }
    for (const l of lines) await strike(l);
    area.value = '';
    who.textContent = gg.plural(lines.length, 'number', 'numbers') + ' from the slip struck off.';
    await showRecent();
  });
  const count = $('count');
  if (count) count.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const station = $('count-station'), papers = $('count-papers');
    const n = Number(papers.value);
    if (!Number.isInteger(n) || n < 0) { who.textContent = 'The count is a whole number of ballot papers.'; return; }
    await gg.recordEvent('count', { station: Number(station.value), ballot_papers: n }, 'Count at ' + station.selectedOptions[0].textContent + ': ' + n);
    papers.value = '';
    who.textContent = 'Count of ' + n + ' ballot papers recorded.';
  });

  window.ggReady.then(async () => {
    const kept = await gg.get('meta', 'tell-district:' + gg.user);
    if (kept && [...district.options].some((o) => o.value === kept)) district.value = kept;
    await loadNames(district.value);
    await showRecent();
    await gg.showStatus();
    // Sent numbers change state: keep the list true.
    setInterval(showRecent, 3000);
  });
})();
