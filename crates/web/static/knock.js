// Knocking up a walk on polling day: its promises who have not voted, door by door in walk order,
// with one tap per answer (voted, will vote, not in, needs a lift, do not return today). The list
// is kept on the phone and fetched again whenever there is signal (re-filtered by what tellers
// and other knockers sent); each answer is an event of offline.js's outbox, applied on the phone
// at once, so no signal loses nothing and the list the knocker sees is always up to date with
// what they themselves heard.
'use strict';
(function () {
  const gg = window.gg;
  const root = document.getElementById('knock');
  const walk = Number(root.dataset.walk);
  const doorsEl = document.getElementById('knock-doors');
  const key = () => 'knockup:' + gg.user + ':' + walk;
  const ANSWERS = [['voted', 'Voted'], ['will_vote', 'Will vote'], ['not_in', 'Not in'], ['needs_lift', 'Needs a lift']];
  const SAID = { voted: 'voted', will_vote: 'will vote', not_in: 'not in', needs_lift: 'needs a lift', do_not_return: 'do not return today' };
  // Answers that hold all day; the others are cleared when the committee room starts the next round.
  const ALL_DAY = new Set(['voted', 'do_not_return', 'needs_lift']);
  // A page kept from before rounds existed has neither: the list still draws.
  const roundEl = document.getElementById('knock-round') || document.createElement('p');
  const firstToggle = document.getElementById('knock-first') || document.createElement('button');
  const today = () => new Date().toDateString();
  function sayRound(text) { if (roundEl.textContent !== text) roundEl.textContent = text; }
  let regularsFirst = false;

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  // This knocker's answers for the walk today, sent or not: the list the server sent is
  // filtered by them at once.
  async function mine() {
    const today = new Date().toDateString();
    return (await gg.myEvents()).filter((e) => e.kind === 'knock' && e.knock.walk_id === walk && new Date(e.at).toDateString() === today);
  }

  let drawn = '';
  async function draw() {
    const stored = await gg.get('names', key());
    // A list kept from another day (a rehearsal, yesterday) is not today's.
    const kept = stored && stored.day === today() ? stored : null;
    if (!kept) {
      drawn = '';
      gg.showStatus();
      doorsEl.replaceChildren(el('li', {}, navigator.onLine ? 'Getting the list…' : 'No signal, and this walk\'s knock-up list is not on this phone yet: open it while you have signal.'));
      return;
    }
    const started = kept.round ? Date.parse(kept.round.started_at) : 0;
    sayRound((kept.refused ? kept.refused + ' ' : '') +
      (kept.round ? 'Round ' + kept.round.number + ', from ' + new Date(started).toTimeString().slice(0, 5) + '.' : ''));
    const answers = (await mine()).filter((a) => ALL_DAY.has(a.knock.answer) || a.at >= started);
    const voted = new Set(answers.filter((a) => a.knock.answer === 'voted').map((a) => a.knock.elector_id));
    const dropped = new Set(answers.filter((a) => a.knock.answer === 'do_not_return').map((a) => a.knock.household_id));
    const latest = new Map();
    for (const a of answers.sort((x, y) => x.at - y.at)) latest.set(a.knock.elector_id === null ? 'door:' + a.knock.household_id : a.knock.elector_id, a);
    const doors = [];
    for (const e of kept.electors) {
      if (voted.has(e.elector_id) || dropped.has(e.household_id)) continue;
      let door = doors[doors.length - 1];
      if (!door || door.household_id !== e.household_id) { door = { household_id: e.household_id, address: e.address, seq: e.seq, people: [] }; doors.push(door); }
      door.people.push(e);
    }
    // When time is short: the doors with a promise who voted last time first, each part in walk order.
    if (regularsFirst) doors.sort((a, b) => Number(b.people.some((p) => p.voted_last_time)) - Number(a.people.some((p) => p.voted_last_time)));
    // Drawn again only when something changed: a tap is never lost to a redraw of the same list.
    const signature = JSON.stringify([doors.map((d) => [d.household_id, d.people.map((p) => [p.elector_id, p.knocks_today, p.answer_today])]),
      [...latest.values()].map((a) => a.id), regularsFirst]);
    if (signature === drawn) { gg.showStatus(); return; }
    drawn = signature;
    const items = doors.map((d, i) => {
      const doorSaid = latest.get('door:' + d.household_id);
      return el('li', { class: 'door', id: 'knock-door-' + d.household_id },
        el('h2', {}, (i + 1) + '. ' + d.address),
        doorSaid ? el('p', { class: 'door-status' }, 'Door: ' + SAID[doorSaid.knock.answer] + ' at ' + new Date(doorSaid.at).toTimeString().slice(0, 5)) : null,
        el('ul', { class: 'electors' }, ...d.people.map((p) => {
          const said = latest.get(p.elector_id);
          const heard = said ? SAID[said.knock.answer] + ' at ' + new Date(said.at).toTimeString().slice(0, 5)
            : p.answer_today ? SAID[p.answer_today] + ' (earlier today)' : '';
          return el('li', { id: 'knock-elector-' + p.elector_id },
            el('p', {}, el('strong', {}, p.name), ' ' + p.elector_number + (p.voted_last_time ? ' · ★ voted last time' : '') +
              (p.postal ? ' · postal vote' + (p.postal_chase === 'not_yet' ? ' not posted yet' : p.postal_chase === 'needs_replacement' ? ' lost: the council replaces it until 5 pm' : '') +
                ': is it in? It can be handed in at any polling station until 10 pm' : '') +
              ' · knocked ' + gg.plural(p.knocks_today, 'time', 'times') + ' today' + (heard ? ' · ' + heard : '')),
            el('div', { class: 'outcomes', role: 'group', 'aria-label': 'What ' + p.name + ' said' }, ...ANSWERS.map(([code, label]) =>
              el('button', { type: 'button', 'data-answer': code, 'data-elector': String(p.elector_id), onclick: () => answer(d, p, code) }, label))));
        })),
        el('div', { class: 'outcomes' },
          el('button', { type: 'button', 'data-answer': 'not_in', 'data-door': String(d.household_id), onclick: () => answer(d, null, 'not_in') }, 'Nobody in'),
          el('button', { type: 'button', class: 'danger', 'data-answer': 'do_not_return', 'data-door': String(d.household_id), onclick: () => answer(d, null, 'do_not_return') }, 'Do not return today')));
    });
    if (!items.length) items.push(el('li', {}, 'Every promise on this walk has voted or is not to be knocked again today.'));
    // Keep the keyboard's place: back to the same door (or the next one when it dropped off).
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest('li.door') : null;
    const at = focused ? [...doorsEl.children].indexOf(focused) : -1;
    doorsEl.replaceChildren(...items);
    if (at >= 0) {
      const door = doorsEl.children[Math.min(at, doorsEl.children.length - 1)];
      const button = door && door.querySelector('button');
      if (button) button.focus();
    }
    root.dataset.left = String(doors.reduce((n, d) => n + d.people.length, 0));
    gg.showStatus();
  }

  async function answer(door, person, code) {
    const knock = {
      id: gg.uuid(), walk_id: walk, household_id: door.household_id, elector_id: person ? person.elector_id : null,
      answer: code, recorded_at: new Date().toISOString(),
    };
    await gg.recordEvent('knock', knock, (person ? person.name : door.address) + ': ' + SAID[code]);
    await draw();
    const said = document.getElementById('knock-said');
    if (said) said.textContent = (person ? person.name : door.address) + ': ' + SAID[code] + '.';
  }

  async function fetchList() {
    if (!navigator.onLine) return;
    try {
      const r = await fetch('/api/v1/knock-up?walk_id=' + walk, { credentials: 'same-origin' });
      if (r.status === 404) {
        // No round of this walk yet today: say so, and keep whatever list the phone has.
        const said = (await r.json().catch(() => ({}))).error || 'The committee room has not started a knock-up round of this walk yet.';
        const kept = await gg.get('names', key());
        if (kept) await gg.put('names', { ...kept, refused: said });
        else sayRound(said);
        return;
      }
      if (!r.ok) return;
      const list = await r.json();
      // Kept with the teller's name lists: deleted with them at sign-out.
      await gg.put('names', { key: key(), holder: gg.user, day: today(), electors: list.electors, round: list.round || null });
    } catch (e) { /* no signal: the kept list stands */ }
  }

  firstToggle.addEventListener('click', async () => {
    regularsFirst = !regularsFirst;
    firstToggle.setAttribute('aria-pressed', String(regularsFirst));
    await draw();
  });

  window.ggReady.then(async () => {
    await draw();
    await gg.sync();
    await fetchList();
    await draw();
    // Between rounds the same list is re-filtered: fetched again every minute with signal.
    setInterval(async () => { await gg.sync(); await fetchList(); await draw(); }, 60000);
    window.addEventListener('online', async () => { await gg.sync(); await fetchList(); await draw(); });
  });
})();
