// The live committee room: the numbers come from the server-sent events of
// /api/v1/committee-room/events (a `room` event within a second of every strike-off) and are
// drawn here, with no reload. If the stream drops, the browser connects again by itself.
'use strict';
(function () {
  const room = document.getElementById('room');
  // The lifts, with their buttons, apart from the rest: drawn again only when they change, so a
  // button is never redrawn under a finger or the keyboard's focus.
  const liftsEl = document.createElement('div');
  room.after(liftsEl);
  let liftsDrawn = '';
  const status = document.getElementById('room-status');
  const fmt = (n) => Number(n).toLocaleString('en-GB');
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.getAttribute('content') : '';
  // A stored UTC instant on this browser's clock (the committee room is in the UK).
  const clock = (t) => new Date(t).toTimeString().slice(0, 5);
  const pct = (a, b) => (b ? Math.round((100 * a) / b) + '%' : '–');

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  function table(caption, head, rows) {
    return el('div', { class: 'scroll' }, el('table', {},
      el('caption', {}, caption),
      el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => (i === 0 ? el('th', { scope: 'row' }, c) : el('td', {}, c))))))));
  }
  function tile(label, value, id) {
    return el('div', {}, el('dt', {}, label), el('dd', id ? { 'data-tile': id } : {}, value));
  }

  function draw(r) {
    const p = r.promises;
    const out = [];
    out.push(el('dl', { class: 'tiles' },
      tile('Promises voted', fmt(p.voted) + ' of ' + fmt(p.promises), 'promises-voted'),
      tile('On course would be', fmt(r.expected_promises_voted_by_now)),
      tile('Promises needed', p.promises_needed == null ? '–' : fmt(p.promises_needed)),
      tile('Volunteers out (last hour)', fmt(r.volunteers_out)),
      tile('Said at the door they voted', fmt(r.voted_at_door)),
      tile('Lifts to give', fmt(r.lifts_asked - r.lifts_given) + ' (' + fmt(r.lifts_given) + ' given)'),
      tile('Walks being knocked', fmt(r.rounds.length)),
      tile('Postal promises posted', fmt(r.districts.reduce((n, d) => n + d.postal_posted, 0)) + ' of ' + fmt(p.postal)),
      tile('Numbers to check', fmt(p.unknown_tellings), 'unknown')));
    out.push(el('p', { class: 'hint' }, 'On course: promises expected to have voted by ' + r.as_of + ' if ' +
      Math.round(p.expected_turnout * 100) + '% of them vote, most between 4 and 8 pm.'));

    if (r.walks.length) {
      out.push(el('h2', {}, 'Go here next'));
      out.push(table('The walks with most promises still to vote for each knocker sent (a walk being knocked now counts half)',
        ['Walk', 'Promises to vote', 'Held by', 'Round today', ''],
        r.walks.map((w) => [w.name, fmt(w.promises_left), w.canvasser || 'nobody',
          w.round == null ? 'none yet' : w.round + (w.being_knocked ? ', out now' : ''),
          el('a', { href: '/polling-day/rounds?walk=' + w.walk_id }, 'Start a round')])));
    }
    out.push(el('p', {}, el('a', { href: '/polling-day/rounds' }, 'Start knock-up rounds'), ' for any walk.'));
    if (r.rounds.length) {
      out.push(el('h2', {}, 'Out now'));
      out.push(table('Walks being knocked up: their latest round began in the last two hours', ['Walk', 'Knocker', 'Round', 'Began', 'Doors answered', 'Promises to vote'],
        r.rounds.map((k) => [k.name, k.canvasser || 'nobody', String(k.number), clock(k.started_at), fmt(k.doors_knocked), fmt(k.promises_left)])));
    }
    out.push(el('h2', {}, 'By polling district'));
    out.push(table('Promises voted and voters struck off, by polling district',
      ['District', 'Promises', 'Voted', 'Share', 'Postal promises posted', 'Voters struck off', 'Knock-up', 'Postal votes'],
      r.districts.map((d) => [d.polling_district, fmt(d.promises), fmt(d.promises_voted), pct(d.promises_voted, d.promises),
        fmt(d.postal_posted) + ' of ' + fmt(d.postal_promises), fmt(d.voted) + ' of ' + fmt(d.electors),
        el('a', { href: '/polling-day/knock-up/' + encodeURIComponent(d.polling_district) }, 'Sheet'),
        el('a', { href: '/polling-day/postal/' + encodeURIComponent(d.polling_district) }, 'Chase')])));
    if (r.stations.length) {
      out.push(el('h2', {}, 'Teller coverage'));
      out.push(table('What the tellers took against the official count: how far to trust the numbers',
        ['Station', 'Districts', 'Struck off', 'Official count', 'Coverage'],
        r.stations.map((s) => [s.name, s.polling_districts.join(', '), fmt(s.struck_off),
          s.ballot_papers == null ? 'not given yet' : fmt(s.ballot_papers) + ' at ' + clock(s.counted_at),
          s.ballot_papers ? pct(s.struck_off, s.ballot_papers) : '–'])));
    }
    if (r.hours.length) {
      out.push(el('h2', {}, 'By hour'));
      out.push(table('Strike-offs by hour (UK time)', ['Hour', 'Voters', 'Promises'],
        r.hours.map((h) => [String(h.hour).padStart(2, '0') + ':00', fmt(h.voted), fmt(h.promises_voted)])));
    }
    const lifts = [];
    if (r.lifts.length) {
      lifts.push(el('h2', {}, 'Lifts'));
      lifts.push(table('Lifts to the polling station asked for at the door today: those still to give first', ['Address', 'Walk', 'Asked at', 'Driver'],
        r.lifts.map((l) => [l.address, l.walk, clock(l.received_at), l.given_at ? 'sent at ' + clock(l.given_at) :
          el('form', { method: 'post', action: '/committee-room/lifts/' + encodeURIComponent(l.id) + '/given', class: 'inline' },
            el('input', { type: 'hidden', name: 'csrf', value: csrf }),
            el('button', { type: 'submit', 'aria-label': 'Driver sent to ' + l.address }, 'Driver sent'))])));
    }
    const liftsNow = JSON.stringify(r.lifts);
    if (liftsNow !== liftsDrawn) { liftsEl.replaceChildren(...lifts); liftsDrawn = liftsNow; }
    if (r.unknown.length) {
      out.push(el('h2', {}, 'Numbers that match nobody'));
      out.push(table('Kept aside: check them against the register', ['District', 'Number as typed', 'Received'],
        r.unknown.map((u) => [u.polling_district, u.number, new Date(u.received_at).toTimeString().slice(0, 8)])));
    }
    room.replaceChildren(...out);
    room.dataset.promisesVoted = String(p.voted);
    status.textContent = 'Live: counted at ' + r.as_of + '.';
  }

  const events = new EventSource('/api/v1/committee-room/events');
  events.addEventListener('room', (ev) => draw(JSON.parse(ev.data)));
  events.addEventListener('trouble', (ev) => { status.textContent = ev.data; });
  events.onerror = () => { status.textContent = 'Connection lost: connecting again… The numbers below may be out of date.'; };
})();
