// The WeirMQ dashboard: a page of plain JavaScript over the REST API (docs/protocol.md), served by
// every node at "/". No build step: Chart.js comes from its WebJar. Everything the API returns is
// put on the page as text (textContent), never as HTML.
'use strict';

const POLL_MS = 2000;
const CHART_POINTS = 60;
const enc = encodeURIComponent; // the vhost "/" is "%2F" in paths, as in RabbitMQ's API

const state = {
  auth: sessionStorage.getItem('weir-auth'),
  user: sessionStorage.getItem('weir-user'),
  timer: null,
  charts: [],
  page: 0, // bumped on every navigation, so a late answer for an old page is dropped
};

class ApiError extends Error {
  constructor(status, reason) {
    super(reason);
    this.status = status;
  }
}

// ------------------------------------------------------------------ helpers

/** An element with attributes (on* become listeners) and children (strings become text). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function render(...nodes) {
  const main = document.getElementById('main');
  main.replaceChildren(...nodes.flat());
}

function flash(text, error) {
  const f = document.getElementById('flash');
  f.textContent = text;
  f.className = error ? 'error' : '';
  f.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { f.hidden = true; }, error ? 8000 : 4000);
}

function fmt(n) {
  return typeof n === 'number' ? n.toLocaleString('en') : String(n);
}

async function api(method, path, body, extraHeaders) {
  // X-Requested-With: a 401 then comes without the challenge that would open the browser's own login dialog.
  const headers = { Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest', ...(extraHeaders || {}) };
  if (state.auth) headers.Authorization = 'Basic ' + state.auth;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401) {
    logout('Log in again: the server refused these credentials.');
    throw new ApiError(401, 'login required');
  }
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = null;
  }
  if (!r.ok) throw new ApiError(r.status, (data && (data.reason || data.error)) || r.statusText);
  return data;
}

/** Runs a user action, reporting its failure as the API said it. */
async function act(what, fn) {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) flash(what + ' failed: ' + e.message, true);
  }
}

/** Runs {@code fn} now and every POLL_MS while this page is shown. */
function poll(fn) {
  const page = state.page;
  const tick = async () => {
    if (page !== state.page) return;
    try {
      await fn();
    } catch (e) {
      if (page === state.page && !(e instanceof ApiError && e.status === 401)) flash(e.message, true);
    }
    if (page === state.page) state.timer = setTimeout(tick, POLL_MS);
  };
  tick();
}

function leavePage() {
  state.page++;
  clearTimeout(state.timer);
  state.charts.forEach(c => c.destroy());
  state.charts = [];
}

function lineChart(canvas, names) {
  const chart = new Chart(canvas, {
    type: 'line',
    data: { labels: [], datasets: names.map(label => ({ label, data: [], tension: 0.25, pointRadius: 0 })) },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true } },
    },
  });
  state.charts.push(chart);
  return {
    push(values) {
      chart.data.labels.push(new Date().toLocaleTimeString());
      values.forEach((v, i) => chart.data.datasets[i].data.push(v));
      if (chart.data.labels.length > CHART_POINTS) {
        chart.data.labels.shift();
        chart.data.datasets.forEach(d => d.data.shift());
      }
      chart.update();
    },
  };
}

/** A table whose columns sort on a click of their header and whose rows a filter narrows. */
function sortableTable(columns, onRow) {
  let rows = [];
  let sortKey = columns[0].key;
  let ascending = true;
  let filter = '';
  const tbody = h('tbody');
  const head = h('tr', {}, columns.map(c => h('th', {
    class: c.num ? 'num' : '',
    'data-key': c.key,
    onclick: () => {
      ascending = sortKey === c.key ? !ascending : true;
      sortKey = c.key;
      draw();
    },
  }, c.title)));
  const table = h('table', {}, h('thead', {}, head), tbody);
  function draw() {
    const shown = rows.filter(r => !filter || columns.some(c => String(c.get(r)).toLowerCase().includes(filter)))
      .sort((a, b) => {
        const x = columns.find(c => c.key === sortKey).get(a);
        const y = columns.find(c => c.key === sortKey).get(b);
        const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
        return ascending ? cmp : -cmp;
      });
    tbody.replaceChildren(...shown.map(r => h('tr', { onclick: onRow ? () => onRow(r) : undefined },
      columns.map(c => h('td', { class: c.num ? 'num' : '' },
        c.cell ? c.cell(r) : c.num ? fmt(c.get(r)) : c.get(r))))));
    if (shown.length === 0) tbody.append(h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, 'None.')));
  }
  return {
    table,
    filterInput: h('input', {
      type: 'search', placeholder: 'Filter', 'aria-label': 'Filter',
      oninput: e => { filter = e.target.value.toLowerCase(); draw(); },
    }),
    set(newRows) {
      rows = newRows;
      draw();
    },
  };
}

function card(label, id) {
  return h('div', { class: 'card' }, h('div', { class: 'label' }, label), h('div', { class: 'value', id }, '–'));
}

function setText(id, value) {
  const el = document.getElementById(id);
  if (el) el.textContent = fmt(value);
}

// ------------------------------------------------------------------ login

function showLogin(reason) {
  document.getElementById('nav').hidden = true;
  document.getElementById('who').replaceChildren();
  const user = h('input', { name: 'username', autocomplete: 'username', value: 'guest' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
  const message = h('p', { class: 'muted' }, reason || 'Log in with a WeirMQ user.');
  render(h('div', { class: 'login' }, h('h1', {}, 'Log in'), message, h('form', {
    onsubmit: async e => {
      e.preventDefault();
      const auth = btoa(unescape(encodeURIComponent(user.value + ':' + password.value)));
      const r = await fetch('/api/overview',
        { headers: { Authorization: 'Basic ' + auth, Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest' } });
      if (r.status === 401 || r.status === 403) {
        message.textContent = 'Login refused: wrong user name or password, or no access to the management UI.';
        return;
      }
      state.auth = auth;
      state.user = user.value;
      sessionStorage.setItem('weir-auth', auth);
      sessionStorage.setItem('weir-user', user.value);
      location.hash = '#/overview';
      route();
    },
  }, h('label', {}, 'User', user), h('label', {}, 'Password', password), h('button', { type: 'submit' }, 'Log in'))));
}

function logout(reason) {
  state.auth = null;
  state.user = null;
  sessionStorage.removeItem('weir-auth');
  sessionStorage.removeItem('weir-user');
  leavePage();
  showLogin(reason);
}

// ------------------------------------------------------------------ pages

function overviewPage() {
  const depth = h('canvas', { id: 'chart-depth' });
  const rates = h('canvas', { id: 'chart-rates' });
  render(
    h('h1', {}, 'Overview'),
    h('div', { class: 'cards' },
      card('Messages', 'total-messages'), card('Ready', 'total-ready'), card('Unacked', 'total-unacked'),
      card('Queues', 'total-queues'), card('Exchanges', 'total-exchanges'), card('Consumers', 'total-consumers'),
      card('Connections (this node)', 'total-connections')),
    h('div', { class: 'charts' },
      h('div', { class: 'chart' }, h('div', { class: 'muted' }, 'Queued messages'), depth),
      h('div', { class: 'chart' }, h('div', { class: 'muted' }, 'Message rates, msg/s (queues on this node)'),
        rates)),
    h('p', { class: 'muted', id: 'node' }));
  const depthChart = lineChart(depth, ['Ready', 'Unacked']);
  const rateChart = lineChart(rates, ['Publish', 'Deliver / get', 'Ack']);
  let last = null;
  poll(async () => {
    const o = await api('GET', '/api/overview');
    setText('total-messages', o.queue_totals.messages);
    setText('total-ready', o.queue_totals.messages_ready);
    setText('total-unacked', o.queue_totals.messages_unacknowledged);
    setText('total-queues', o.object_totals.queues);
    setText('total-exchanges', o.object_totals.exchanges);
    setText('total-consumers', o.object_totals.consumers);
    setText('total-connections', o.object_totals.connections);
    document.getElementById('node').textContent = 'Node ' + o.node + ', WeirMQ ' + o.weirmq_version;
    depthChart.push([o.queue_totals.messages_ready, o.queue_totals.messages_unacknowledged]);
    const now = performance.now();
    const s = o.message_stats;
    if (last) {
      const dt = (now - last.at) / 1000;
      // A deleted queue takes its counts along: a counter that went down is read as a reset.
      const rate = (a, b) => Math.max(0, Math.round((a - b) / dt));
      rateChart.push([rate(s.publish, last.s.publish), rate(s.deliver_get, last.s.deliver_get), rate(s.ack, last.s.ack)]);
    }
    last = { at: now, s };
  });
}

/**
 * The queue list, a page at a time from the server (GET /api/queues?page=...): with 10,000 queues
 * the whole list is too much to fetch every two seconds. Sorting and filtering happen there too.
 */
function queuesPage() {
  const columns = [
    { key: 'vhost', title: 'Virtual host', get: q => q.vhost },
    { key: 'name', title: 'Name', get: q => q.name },
    { key: 'durable', title: 'Durable', get: q => (q.durable ? 'yes' : 'no') },
    { key: 'messages_ready', title: 'Ready', num: true, get: q => q.messages_ready },
    { key: 'messages_unacknowledged', title: 'Unacked', num: true, get: q => q.messages_unacknowledged },
    { key: 'messages', title: 'Total', num: true, get: q => q.messages },
    { key: 'consumers', title: 'Consumers', num: true, get: q => q.consumers },
  ];
  const view = { page: 1, sort: 'name', reverse: false, name: '' };
  const tbody = h('tbody');
  const info = h('span', { class: 'muted', id: 'queues-page' });
  const refresh = async () => {
    const q = new URLSearchParams({ page: view.page, page_size: 100, sort: view.sort, sort_reverse: view.reverse });
    if (view.name) q.set('name', view.name);
    let p;
    try {
      p = await api('GET', '/api/queues?' + q);
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && view.page > 1) { // the list shrank under us
        view.page = 1;
        return refresh();
      }
      throw e;
    }
    tbody.replaceChildren(...p.items.map(x => h('tr', {
      onclick: () => { location.hash = '#/queues/' + enc(x.vhost) + '/' + enc(x.name); },
    }, columns.map(c => h('td', { class: c.num ? 'num' : '' }, c.num ? fmt(c.get(x)) : c.get(x))))));
    if (p.items.length === 0) tbody.append(h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, 'None.')));
    info.textContent = 'Page ' + p.page + ' of ' + p.page_count + ' (' + fmt(p.filtered_count) + ' matching, '
      + fmt(p.total_count) + ' in all)';
    view.pageCount = p.page_count;
  };
  const go = delta => () => {
    const page = Math.min(Math.max(1, view.page + delta), view.pageCount || 1);
    if (page !== view.page) {
      view.page = page;
      act('Listing queues', refresh);
    }
  };
  const head = h('tr', {}, columns.map(c => h('th', {
    class: c.num ? 'num' : '',
    onclick: () => {
      view.reverse = view.sort === c.key ? !view.reverse : false;
      view.sort = c.key;
      view.page = 1;
      act('Listing queues', refresh);
    },
  }, c.title)));
  let typing;
  const filter = h('input', {
    type: 'search', placeholder: 'Filter by name', 'aria-label': 'Filter by name',
    oninput: e => {
      clearTimeout(typing);
      typing = setTimeout(() => {
        view.name = e.target.value;
        view.page = 1;
        act('Listing queues', refresh);
      }, 300);
    },
  });
  const vhost = h('input', { name: 'vhost', value: '/' });
  const name = h('input', { name: 'name', required: true });
  const durable = h('input', { name: 'durable', type: 'checkbox', checked: true });
  render(
    h('h1', {}, 'Queues'),
    h('div', { class: 'inline' }, filter, ' ',
      h('button', { type: 'button', class: 'plain', onclick: go(-1) }, '‹ Previous'), ' ',
      h('button', { type: 'button', class: 'plain', onclick: go(1) }, 'Next ›'), ' ', info),
    h('table', { id: 'queues' }, h('thead', {}, head), tbody),
    h('h2', {}, 'Add a queue'),
    h('form', {
      class: 'inline', id: 'add-queue',
      onsubmit: e => {
        e.preventDefault();
        act('Adding the queue', async () => {
          await api('PUT', '/api/queues/' + enc(vhost.value) + '/' + enc(name.value), { durable: durable.checked });
          flash('Queue ' + name.value + ' declared.');
          name.value = '';
          await refresh();
        });
      },
    }, h('label', {}, 'Virtual host', vhost), h('label', {}, 'Name', name),
    h('label', {}, 'Durable', durable), h('button', { type: 'submit' }, 'Add queue')));
  poll(refresh);
}

function publishForm(id, vhost, exchange, fixedKey) {
  const key = h('input', { name: 'routing_key', value: fixedKey || '' });
  const payload = h('textarea', { name: 'payload' });
  const persistent = h('input', { name: 'persistent', type: 'checkbox', checked: true });
  return h('form', {
    class: 'inline', id,
    onsubmit: e => {
      e.preventDefault();
      act('Publishing', async () => {
        const r = await api('POST', '/api/exchanges/' + enc(vhost) + '/' + enc(exchange || 'amq.default') + '/publish', {
          routing_key: key.value, payload: payload.value, payload_encoding: 'string',
          properties: persistent.checked ? { delivery_mode: 2 } : {},
        });
        flash(r.routed ? 'Message published.' : 'Message published, but it was not routed to any queue.', !r.routed);
        payload.value = '';
      });
    },
  }, fixedKey === undefined ? h('label', {}, 'Routing key', key) : null, h('label', {}, 'Payload', payload),
  h('label', {}, 'Persistent', persistent), h('button', { type: 'submit' }, 'Publish message'));
}

/** The bindings section of a queue's or an exchange's page: the list with unbind buttons, and a bind form. */
function bindingsSection(vhost, columns, form) {
  const unbind = b => h('button', {
    type: 'button', class: 'plain',
    onclick: e => {
      e.stopPropagation();
      act('Unbinding', async () => {
        await api('DELETE', '/api/bindings/' + enc(vhost) + '/e/' + enc(b.source) + '/'
          + (b.destination_type === 'queue' ? 'q' : 'e') + '/' + enc(b.destination) + '/' + enc(b.properties_key));
        flash('Unbound.');
      });
    },
  }, 'Unbind');
  const table = sortableTable(columns.concat([{ key: 'unbind', title: '', get: () => '', cell: unbind }]));
  return { table, nodes: [table.table, form] };
}

function bindForm(id, fields, submit) {
  return h('form', { class: 'inline', id, onsubmit: e => { e.preventDefault(); act('Binding', submit); } },
    fields, h('button', { type: 'submit' }, 'Bind'));
}

function queuePage(vhost, name) {
  const path = '/api/queues/' + enc(vhost) + '/' + enc(name);
  const count = h('input', { name: 'count', type: 'number', min: 1, value: 1 });
  const ackmode = h('select', { name: 'ackmode' },
    h('option', { value: 'ack_requeue_true' }, 'Peek (requeue, flagged redelivered)'),
    h('option', { value: 'ack_requeue_false' }, 'Take (ack, removed)'),
    h('option', { value: 'reject_requeue_true' }, 'Reject and requeue'),
    h('option', { value: 'reject_requeue_false' }, 'Reject (dead-letter or drop)'));
  const got = h('div', { id: 'got-messages' });
  const source = h('input', { name: 'source', required: true });
  const sourceKey = h('input', { name: 'routing_key' });
  const bindings = bindingsSection(vhost, [
    { key: 'source', title: 'From exchange', get: b => b.source },
    { key: 'routing_key', title: 'Routing key', get: b => b.routing_key },
  ], bindForm('bind', [h('label', {}, 'From exchange', source), h('label', {}, 'Routing key', sourceKey)], async () => {
    await api('POST', '/api/bindings/' + enc(vhost) + '/e/' + enc(source.value) + '/q/' + enc(name),
      { routing_key: sourceKey.value });
    flash('Bound to ' + source.value + '.');
  }));
  const consumers = typeof consumersTable === 'function' ? consumersTable(name) : null; // connections.js
  if (consumers) consumers.table.id = 'queue-consumers';
  render(
    h('h1', {}, 'Queue ', name, h('span', { class: 'muted' }, ' in virtual host ', vhost)),
    h('div', { class: 'cards' }, card('Ready', 'q-ready'), card('Unacked', 'q-unacked'), card('Total', 'q-total'),
      card('Consumers', 'q-consumers')),
    h('p', { class: 'muted', id: 'q-properties' }),
    consumers ? [h('h2', {}, 'Consumers'), consumers.table] : [],
    h('h2', {}, 'Leader and mirrors'), h('p', { id: 'q-leader' }), h('ul', { id: 'q-mirrors' }),
    h('h2', {}, 'Bindings'), h('p', { class: 'muted' }, 'Every queue is also bound to the default exchange by its name.'),
    bindings.nodes,
    h('h2', {}, 'Publish a message'), h('p', { class: 'muted' }, 'Through the default exchange, to this queue.'),
    publishForm('publish', vhost, '', name),
    h('h2', {}, 'Get messages'),
    h('form', {
      class: 'inline', id: 'get',
      onsubmit: e => {
        e.preventDefault();
        act('Getting messages', async () => {
          const messages = await api('POST', path + '/get',
            { count: Number(count.value), ackmode: ackmode.value, encoding: 'auto' });
          got.replaceChildren(messages.length === 0 ? h('p', { class: 'muted' }, 'The queue is empty.')
            : h('div', {}, messages.map((m, i) => h('div', {},
              h('div', { class: 'muted' }, 'Message ', i + 1, ': routing key "', m.routing_key, '", ',
                m.payload_bytes, ' bytes', m.redelivered ? ', redelivered' : '', ', ', m.payload_encoding),
              h('pre', { class: 'message' }, m.payload)))));
        });
      },
    }, h('label', {}, 'Messages', count), h('label', {}, 'Mode', ackmode), h('button', { type: 'submit' }, 'Get messages')),
    got,
    h('h2', {}, 'Purge or delete'),
    h('form', { class: 'inline' },
      h('button', {
        type: 'button', class: 'danger', id: 'purge',
        onclick: () => act('Purging', async () => {
          if (!confirm('Purge every ready message of ' + name + '?')) return;
          await api('DELETE', path + '/contents');
          flash('Queue ' + name + ' purged.');
        }),
      }, 'Purge messages'),
      h('button', {
        type: 'button', class: 'danger', id: 'delete',
        onclick: () => act('Deleting', async () => {
          if (!confirm('Delete the queue ' + name + ' and its messages?')) return;
          await api('DELETE', path);
          flash('Queue ' + name + ' deleted.');
          location.hash = '#/queues';
        }),
      }, 'Delete queue')));
  poll(async () => {
    const [q, all] = await Promise.all([api('GET', path), api('GET', '/api/bindings/' + enc(vhost))]);
    setText('q-ready', q.messages_ready);
    setText('q-unacked', q.messages_unacknowledged);
    setText('q-total', q.messages);
    setText('q-consumers', q.consumers);
    document.getElementById('q-properties').textContent = 'durable: ' + q.durable + ', auto-delete: ' + q.auto_delete
      + ', exclusive: ' + q.exclusive + ', arguments: ' + JSON.stringify(q.arguments)
      + ', policy: ' + (q.policy === null || q.policy === undefined ? 'none'
        : q.policy + ' ' + JSON.stringify(q.effective_policy_definition));
    bindings.table.set(all.filter(b => b.destination_type === 'queue' && b.destination === name));
    if (consumers) await consumers.refresh(vhost);
    document.getElementById('q-leader').textContent = 'Leader: ' + q.node + ' (sequence number ' + q.leader_seq + ')';
    document.getElementById('q-mirrors').replaceChildren(...(q.mirror_details.length === 0
      ? [h('li', { class: 'muted' }, 'No mirrors.')]
      : q.mirror_details.map(m => h('li', {}, m.node, ': lag ', fmt(m.lag), m.in_sync ? ', in sync' : ', not in sync'))));
  });
}

function exchangesPage() {
  const t = sortableTable([
    { key: 'vhost', title: 'Virtual host', get: x => x.vhost },
    { key: 'name', title: 'Name', get: x => x.name || '(AMQP default)' },
    { key: 'type', title: 'Type', get: x => x.type },
    { key: 'durable', title: 'Durable', get: x => (x.durable ? 'yes' : 'no') },
    { key: 'internal', title: 'Internal', get: x => (x.internal ? 'yes' : 'no') },
  ], x => { location.hash = '#/exchanges/' + enc(x.vhost) + '/' + enc(x.name || 'amq.default'); });
  t.table.id = 'exchanges';
  const vhost = h('input', { name: 'vhost', value: '/' });
  const name = h('input', { name: 'name', required: true });
  const type = h('select', { name: 'type' }, ['direct', 'fanout', 'topic', 'headers'].map(v => h('option', { value: v }, v)));
  const refresh = async () => t.set(await api('GET', '/api/exchanges'));
  render(h('h1', {}, 'Exchanges'), t.filterInput, t.table, h('h2', {}, 'Add an exchange'), h('form', {
    class: 'inline', id: 'add-exchange',
    onsubmit: e => {
      e.preventDefault();
      act('Adding the exchange', async () => {
        await api('PUT', '/api/exchanges/' + enc(vhost.value) + '/' + enc(name.value), { type: type.value, durable: true });
        flash('Exchange ' + name.value + ' declared.');
        name.value = '';
        await refresh();
      });
    },
  }, h('label', {}, 'Virtual host', vhost), h('label', {}, 'Name', name), h('label', {}, 'Type', type),
  h('button', { type: 'submit' }, 'Add exchange')));
  poll(refresh);
}

function exchangePage(vhost, name) {
  const shown = name === 'amq.default' ? '(AMQP default)' : name;
  const kind = h('select', { name: 'destination_type' }, h('option', { value: 'q' }, 'queue'),
    h('option', { value: 'e' }, 'exchange'));
  const destination = h('input', { name: 'destination', required: true });
  const key = h('input', { name: 'routing_key' });
  const bindings = bindingsSection(vhost, [
    { key: 'destination', title: 'To', get: b => b.destination },
    { key: 'destination_type', title: 'Kind', get: b => b.destination_type },
    { key: 'routing_key', title: 'Routing key', get: b => b.routing_key },
  ], name === 'amq.default' ? h('p', { class: 'muted' }, 'The default exchange cannot be bound.')
    : bindForm('bind', [h('label', {}, 'To', kind), h('label', {}, 'Name', destination),
      h('label', {}, 'Routing key', key)], async () => {
      await api('POST', '/api/bindings/' + enc(vhost) + '/e/' + enc(name) + '/' + kind.value + '/'
        + enc(destination.value), { routing_key: key.value });
      flash('Bound to ' + destination.value + '.');
    }));
  render(h('h1', {}, 'Exchange ', shown, h('span', { class: 'muted' }, ' in virtual host ', vhost)),
    h('p', { class: 'muted', id: 'x-properties' }),
    h('h2', {}, 'Bindings from this exchange'), bindings.nodes,
    h('h2', {}, 'Publish a message'), publishForm('publish', vhost, name));
  poll(async () => {
    const [x, all] = await Promise.all([api('GET', '/api/exchanges/' + enc(vhost) + '/' + enc(name)),
      api('GET', '/api/bindings/' + enc(vhost))]);
    document.getElementById('x-properties').textContent = 'type: ' + x.type + ', durable: ' + x.durable
      + ', auto-delete: ' + x.auto_delete + ', internal: ' + x.internal;
    bindings.table.set(all.filter(b => b.source === (name === 'amq.default' ? '' : name)));
  });
}

// ------------------------------------------------------------------ navigation

function route() {
  leavePage();
  if (!state.auth) {
    showLogin();
    return;
  }
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(p => p !== '').map(decodeURIComponent);
  const page = parts[0] || 'overview';
  document.getElementById('nav').hidden = false;
  document.querySelectorAll('#nav a').forEach(a => a.classList.toggle('active', a.dataset.page === page));
  document.getElementById('who').replaceChildren('Logged in as ', state.user || '',
    h('button', { class: 'plain', id: 'logout', onclick: () => logout('Logged out.') }, 'Log out'));
  (pages[page] || overviewPage)(parts.slice(1));
}

/**
 * The pages by the first part of the location's hash; each is called with the parts after it
 * (for example a vhost and a name). Pages in other files register themselves here with
 * `registerPage`: they are loaded after this file, before the first route.
 */
const pages = {
  overview: () => overviewPage(),
  queues: rest => (rest.length >= 2 ? queuePage(rest[0], rest[1]) : queuesPage()),
  exchanges: rest => (rest.length >= 2 ? exchangePage(rest[0], rest[1]) : exchangesPage()),
};

function registerPage(name, show) {
  pages[name] = show;
}

window.addEventListener('hashchange', route);
// Deferred scripts all run before DOMContentLoaded, so every page file has registered by then.
document.addEventListener('DOMContentLoaded', route);
