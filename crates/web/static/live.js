// Live progress on the organiser's overview: fetches /api/v1/progress every 10 seconds and updates
// the numbers in place. Without JavaScript the page shows the numbers as they were when loaded.
'use strict';
(function () {
  const marker = document.querySelector('[data-live]');
  if (!marker) return;
  const num = (v) => Number(v).toLocaleString('en-GB');
  // The contact rate as the server works it out (one definition, in the server).
  const rate = (t) => Math.round(100 * t.contact_rate) + '%';
  function set(key, value) {
    document.querySelectorAll('[data-k="' + key + '"]').forEach((el) => {
      if (el.textContent !== value) el.textContent = value;
    });
  }
  function tally(prefix, t) {
    set(prefix + '.doors_knocked', num(t.doors_knocked));
    set(prefix + '.doors_spoken', num(t.doors_spoken));
    set(prefix + '.contacts', num(t.contacts));
    set(prefix + '.rate', rate(t));
    set(prefix + '.supporters', num(t.supporters));
  }
  async function refresh() {
    try {
      const r = await fetch(marker.dataset.live, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!r.ok) throw new Error(r.status);
      const data = await r.json();
      const p = data.progress;
      tally('totals', p.totals);
      for (const [d, t] of Object.entries(p.polling_districts)) tally('district.' + d, t);
      for (const [d, t] of Object.entries(p.days)) tally('day.' + d, t);
      for (const w of p.walks) {
        tally('walk.' + w.walk.id, w.tally);
        set('walk.' + w.walk.id + '.status', w.status);
      }
      const bar = document.querySelector('progress');
      if (bar) bar.value = Math.min(p.totals.supporters, Number(bar.max));
      marker.textContent = '(live, updated ' + new Date().toLocaleTimeString('en-GB') + ')';
    } catch (e) {
      marker.textContent = '(live updates paused: no connection)';
    }
  }
  setInterval(refresh, 10000);
})();
