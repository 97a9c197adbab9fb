// The canvasser app: the list of one's walks and a walk's doors, with one tap per answer. It
// stands on offline.js (window.gg), which keeps walks and answers on the phone and sends them
// when it can: every answer is an event with its own UUID saved on the phone first, and sending
// the same event twice stores it once, so a dropped connection never loses or doubles an answer.
'use strict';
(function () {
  const gg = window.gg;
  const statusEl = document.getElementById('sync-status');

  // ---- The list of my walks: every one is kept on the phone ----------------------------------
  async function myWalks() {
    await window.ggReady;
    await gg.precache(true);
    for (const a of document.querySelectorAll('a[data-walk]')) {
      const mark = document.querySelector('[data-saved="' + a.dataset.walk + '"]');
      const kept = await gg.get('walks', Number(a.dataset.walk));
      if (mark) mark.textContent = kept ? ' · saved on this phone' : ' · not saved yet: open it while you have signal';
    }
    await gg.showStatus();
  }

  // ---- One walk -----------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  function mapSvg(doors) {
    const pts = doors.map((d, i) => ({ i, lat: d.lat, lon: d.lon, id: d.household_id })).filter((p) => p.lat != null);
    if (pts.length < 2) return null;
    const lat0 = pts.reduce((s, p) => s + p.lat, 0) / pts.length;
    const k = Math.cos((lat0 * Math.PI) / 180);
    const xs = pts.map((p) => p.lon * k), ys = pts.map((p) => -p.lat);
    const minx = Math.min(...xs), maxx = Math.max(...xs), miny = Math.min(...ys), maxy = Math.max(...ys);
    const span = Math.max(maxx - minx, maxy - miny, 1e-5);
    const W = 320, M = 16, s = (W - 2 * M) / span;
    const X = (x) => (M + (x - minx) * s).toFixed(1), Y = (y) => (M + (y - miny) * s).toFixed(1);
    const H = Math.ceil(2 * M + (maxy - miny) * s);
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Map of the walk: ' + pts.length + ' doors in walking order');
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', pts.map((p, j) => X(xs[j]) + ',' + Y(ys[j])).join(' '));
    line.setAttribute('class', 'route');
    svg.append(line);
    // Street names where their doors are (there are no map tiles to show them).
    const streets = new Map();
    pts.forEach((p, j) => {
      const line = (doors[p.i].address || '').split(/[\n,]/).map((x) => x.trim()).find((x) => /^\d/.test(x));
      const street = line ? line.replace(/^\S+\s+/, '') : null;
      if (!street) return;
      const s = streets.get(street) || { x: 0, y: 0, n: 0 };
      s.x += Number(X(xs[j])); s.y += Number(Y(ys[j])); s.n += 1;
      streets.set(street, s);
    });
    const placed = [];
    Array.from(streets.entries()).sort((a, b) => b[1].n - a[1].n).forEach(([name, s]) => {
      const x = s.x / s.n, y = s.y / s.n - 8;
      if (placed.some((q) => Math.abs(q[0] - x) < 60 && Math.abs(q[1] - y) < 10)) return;
      placed.push([x, y]);
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('x', x.toFixed(1)); t.setAttribute('y', y.toFixed(1));
      t.setAttribute('class', 'street');
      t.setAttribute('text-anchor', 'middle');
      t.textContent = name;
      svg.append(t);
    });
    pts.forEach((p, j) => {
      const c = document.createElementNS(ns, 'circle');
      c.setAttribute('cx', X(xs[j])); c.setAttribute('cy', Y(ys[j])); c.setAttribute('r', j === 0 ? 6 : 4);
      c.setAttribute('class', j === 0 ? 'start' : 'stop');
      c.setAttribute('data-map-door', p.id);
      svg.append(c);
    });
    return svg;
  }

  async function walkPage(app) {
    await window.ggReady;
    const id = Number(app.dataset.walk);
    let payload = null;
    try {
      payload = await gg.saveWalk(id);
    } catch (e) {
      payload = await gg.get('walks', id);
    }
    if (!payload) {
      statusEl.textContent = 'This walk is not saved on this phone and there is no connection. Open it again when you have signal.';
      return;
    }
    await render(app, payload);
    // When the walk can be used: read by the page-speed benchmark.
    document.documentElement.dataset.interactive = String(Math.round(performance.now()));
    await gg.showStatus();
    gg.sync();
  }

  async function render(app, payload) {
    const survey = payload.survey;
    document.getElementById('walk-name').textContent = payload.walk.name;
    document.title = payload.walk.name + ' · groundgame';
    const map = mapSvg(payload.doors);
    if (map) document.getElementById('walk-map').replaceChildren(map);
    const events = (await gg.myEvents()).filter((e) => e.contact.walk_id === payload.walk.id);
    const doneDoors = new Map();
    const latest = new Map();
    events.sort((a, b) => a.contact.recorded_at.localeCompare(b.contact.recorded_at));
    for (const e of events) {
      doneDoors.set(e.contact.household_id, describe(survey, e.contact));
      if (e.contact.elector_id && e.contact.answers.voting_intention) latest.set(e.contact.elector_id, e.contact.answers.voting_intention);
    }
    const list = document.getElementById('doors');
    list.replaceChildren();
    payload.doors.forEach((door, i) => list.append(doorItem(payload, survey, door, i, doneDoors, latest)));
    openFirst();
  }

  function describe(survey, c) {
    if (c.outcome) {
      const o = survey.outcomes.find((x) => x.code === c.outcome);
      return o ? o.label : c.outcome;
    }
    return Object.values(c.answers).join(' ');
  }

  // The questions of the usual doorstep answer, shown first; the rest open on demand.
  const QUICK = ['voting_intention', 'certainty'];

  // A group of answer buttons is one Tab stop: arrow keys move within it (a roving tabindex).
  function roving(group) {
    const buttons = () => Array.from(group.querySelectorAll('button'));
    const settle = () => {
      const all = buttons();
      const on = all.find((b) => b.getAttribute('aria-pressed') === 'true') || all[0];
      all.forEach((b) => b.setAttribute('tabindex', b === on ? '0' : '-1'));
    };
    group.addEventListener('keydown', (ev) => {
      const all = buttons();
      const at = all.indexOf(document.activeElement);
      if (at < 0) return;
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[ev.key];
      if (!step) return;
      ev.preventDefault();
      const next = all[(at + step + all.length) % all.length];
      all.forEach((b) => b.setAttribute('tabindex', b === next ? '0' : '-1'));
      next.focus();
    });
    group.addEventListener('click', settle);
    settle();
    return group;
  }

  function doorItem(payload, survey, door, i, doneDoors, latest) {
    const status = el('p', { class: 'door-status', 'aria-live': 'polite' }, doneDoors.has(door.household_id) ? 'Done: ' + doneDoors.get(door.household_id) : '');
    const li = el('li', { class: 'door' + (doneDoors.has(door.household_id) ? ' done' : ''), id: 'door-' + door.household_id });
    const mark = (text) => { li.classList.add('done'); status.textContent = 'Done: ' + text; };
    const base = () => ({ id: gg.uuid(), walk_id: payload.walk.id, household_id: door.household_id, recorded_at: new Date().toISOString() });
    const where = door.address.split('\n')[0];
    const outcomes = el('div', { class: 'outcomes', role: 'group', 'aria-label': 'Whole door' },
      ...survey.outcomes.filter((o) => o.whole_door).map((o) =>
        el('button', { type: 'button', 'data-outcome': o.code, onclick: () => {
          const c = Object.assign(base(), { elector_id: null, outcome: o.code, answers: {}, note: '' });
          gg.record(c, o.label + ' at ' + where); mark(o.label);
          openNext(li);
        } }, o.label)));
    const door_ = { base, mark, where, electors: [] };
    const electors = el('ul', { class: 'electors' }, ...door.electors.map((e) => electorItem(survey, e, latest, door_, status)));
    li.append(el('h2', {}, (i + 1) + '. ' + door.address.split('\n').join(', ')), outcomes, electors, status);
    return li;
  }

  // Opens the next elector not yet answered: in this door (after an elector's answer), else the
  // first of the next door not done (after a whole-door outcome, or the door's last elector).
  function openNext(from) {
    const isDoor = from.classList.contains('door');
    const door = isDoor ? from : from.closest('li.door');
    let next = isDoor ? null : Array.from(door.querySelectorAll('ul.electors > li')).find((x) => !x.dataset.answered && x !== from);
    if (!next) {
      const doors = Array.from(document.querySelectorAll('li.door'));
      for (const d of doors.slice(doors.indexOf(door) + 1)) {
        if (d.classList.contains('done')) continue;
        next = d.querySelector('ul.electors > li:not([data-answered])');
        if (next) break;
      }
    }
    if (next) next.open(true);
  }

  function electorItem(survey, e, latest, door, status) {
    const answers = {};
    let outcome = null;
    const intention = latest.get(e.id) || e.intention;
    const panelId = 'elector-' + e.id;
    const panel = el('div', { class: 'survey', id: panelId, hidden: '' });
    const item = el('li', {});
    const open = (scroll) => {
      panel.hidden = false;
      toggle.setAttribute('aria-expanded', 'true');
      if (scroll) item.scrollIntoView({ block: 'nearest' });
    };
    item.open = open;
    const toggle = el('button', { type: 'button', class: 'elector', 'aria-expanded': 'false', 'aria-controls': panelId, 'data-elector': e.id, onclick: () => {
      if (panel.hidden) open(false);
      else { panel.hidden = true; toggle.setAttribute('aria-expanded', 'false'); }
    } }, e.name || e.number, el('span', { class: 'meta' }, ' ' + e.number + (e.postal ? ' · postal' : '') + (intention ? ' · ' + intention : '')));
    const group = (q) => {
      const g = el('fieldset', { role: 'radiogroup' }, el('legend', {}, q.label));
      // The campaign's talking points for the answer chosen (a top issue, an objection).
      const say = q.choices.some((c) => c.talking_points) ? el('p', { class: 'talking-points', 'aria-live': 'polite', 'data-points': q.key }) : null;
      for (const c of q.choices) {
        const b = el('button', { type: 'button', 'aria-pressed': 'false', 'data-q': q.key, 'data-code': c.code, onclick: () => {
          const on = answers[q.key] !== c.code;
          g.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', 'false'));
          if (on) { answers[q.key] = c.code; b.setAttribute('aria-pressed', 'true'); } else { delete answers[q.key]; }
          if (say) say.textContent = on && c.talking_points ? c.talking_points : '';
          why.textContent = '';
        } }, c.label);
        g.append(b);
      }
      roving(g);
      return say ? el('div', { class: 'question' }, g, say) : g;
    };
    const quick = survey.questions.filter((q) => QUICK.includes(q.key));
    const rest = survey.questions.filter((q) => !QUICK.includes(q.key));
    quick.forEach((q) => panel.append(group(q)));
    const why = el('p', { class: 'why', role: 'alert' });
    const save = el('button', { type: 'button', class: 'save', 'data-save': e.id }, 'Save');
    panel.append(save, why);
    const more = el('details', { class: 'more' }, el('summary', {}, 'More questions, or not spoken to'));
    rest.forEach((q) => more.append(group(q)));
    const og = el('fieldset', { role: 'radiogroup' }, el('legend', {}, 'Or'));
    for (const o of survey.outcomes) {
      const b = el('button', { type: 'button', 'aria-pressed': 'false', 'data-elector-outcome': o.code, onclick: () => {
        const on = outcome !== o.code;
        og.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', 'false'));
        outcome = on ? o.code : null;
        if (on) b.setAttribute('aria-pressed', 'true');
        why.textContent = '';
      } }, o.label);
      og.append(b);
    }
    more.append(roving(og));
    const noteId = 'note-' + e.id;
    const note = el('textarea', { id: noteId, rows: '2', maxlength: '2000' });
    more.append(el('label', { for: noteId }, 'Note'), note);
    panel.append(more);
    const record = (c, who) => {
      gg.record(c, who + ' at ' + door.where);
      item.dataset.answered = '1';
      door.mark(who + ': ' + (c.outcome || Object.values(c.answers).join(' ')));
      toggle.querySelector('.meta').textContent = ' ' + e.number + (e.postal ? ' · postal' : '') + (c.answers.voting_intention ? ' · ' + c.answers.voting_intention : '');
    };
    save.addEventListener('click', () => {
      if (!Object.keys(answers).length && !outcome && !note.value.trim()) {
        why.textContent = 'Nothing chosen yet: tap their voting intention (or open "More questions" for Not in, Refused and the rest), then Save.';
        return;
      }
      const c = Object.assign(door.base(), { elector_id: e.id, outcome: outcome, answers: Object.assign({}, answers), note: note.value.trim() });
      record(c, e.name || e.number);
      panel.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      // The same answer for everyone else at this door who has not answered: one more tap.
      const others = door.electors.filter((x) => x !== entry && !x.item.dataset.answered);
      status.querySelectorAll('button.same').forEach((b) => b.remove());
      if (others.length && Object.keys(c.answers).length && !c.outcome) {
        const same = el('button', { type: 'button', class: 'same', onclick: () => {
          for (const o of others) {
            if (o.item.dataset.answered) continue;
            record(Object.assign(door.base(), { elector_id: o.elector.id, outcome: null, answers: Object.assign({}, c.answers), note: '' }), o.elector.name || o.elector.number);
            o.close();
          }
          same.remove();
          openNext(item.closest('li.door'));
        } }, 'Same for ' + (others.length === 1 ? (others[0].elector.name || 'the other elector') : 'the other ' + others.length + ' here'));
        status.append(' ', same);
      }
      openNext(item);
      if (!document.activeElement || document.activeElement === document.body || panel.contains(document.activeElement)) toggle.focus();
    });
    const entry = { elector: e, item, close: () => { panel.hidden = true; toggle.setAttribute('aria-expanded', 'false'); } };
    door.electors.push(entry);
    item.append(toggle, panel);
    return item;
  }

  // The walk opens at the first door not done, its first elector ready to answer.
  function openFirst() {
    const first = Array.from(document.querySelectorAll('li.door:not(.done) ul.electors > li'))[0];
    if (first) first.open(false);
  }

  const app = document.getElementById('app');
  if (app) walkPage(app);
  else if (document.querySelector('a[data-walk]') || statusEl) myWalks();
})();
