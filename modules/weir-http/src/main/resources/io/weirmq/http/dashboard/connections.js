// The Connections and Consumers pages: every node's client connections (GET /api/connections, which
// asks the whole cluster), closing one with a reason (DELETE with X-Reason, as RabbitMQ's UI does),
// and the consumers of every queue (GET /api/consumers). Helpers come from app.js.
'use strict';

/** A note under a listing when some node did not answer in time (the x-weir-unanswered-nodes header). */
function unansweredNote(id) {
  return h('p', { class: 'muted', id });
}

function connectionsPage() {
  const t = sortableTable([
    { key: 'name', title: 'Name', get: c => c.name },
    { key: 'client', title: 'Client', get: c => (c.client_properties && (c.client_properties.connection_name
      || c.client_properties.product)) || '' },
    { key: 'user', title: 'User', get: c => c.user },
    { key: 'vhost', title: 'Virtual host', get: c => c.vhost },
    { key: 'node', title: 'Node', get: c => c.node },
    { key: 'state', title: 'State', get: c => c.state },
    { key: 'channels', title: 'Channels', num: true, get: c => c.channels },
    { key: 'connected_at', title: 'Connected at', get: c => new Date(c.connected_at).toLocaleString() },
    { key: 'close', title: '', get: () => '', cell: c => h('button', {
      type: 'button', class: 'danger', 'data-connection': c.name,
      onclick: e => {
        e.stopPropagation();
        act('Closing the connection', async () => {
          const reason = prompt('Close ' + c.name + ' (' + c.user + ')? Reason sent to the client:',
            'Closed via management plugin');
          if (reason === null) return;
          await api('DELETE', '/api/connections/' + enc(c.name), undefined, { 'X-Reason': reason });
          flash('Connection ' + c.name + ' closed.');
          await refresh();
        });
      },
    }, 'Close') },
  ]);
  t.table.id = 'connections';
  const note = unansweredNote('connections-unanswered');
  const refresh = async () => {
    const r = await apiWithHeaders('GET', '/api/connections');
    t.set(r.data);
    note.textContent = r.unanswered ? 'Not answering in time, left out: ' + r.unanswered : '';
  };
  render(h('h1', {}, 'Connections'),
    h('p', { class: 'muted' }, 'Client connections of every node. Closing one sends the client connection.close 320 '
      + 'with your reason; a client with automatic recovery reconnects.'),
    t.filterInput, t.table, note);
  poll(refresh);
}

/** The consumers table, for the Consumers page or a queue's page ({@code queue}: only that queue's). */
function consumersTable(queue) {
  const t = sortableTable([
    { key: 'consumer_tag', title: 'Consumer tag', get: c => c.consumer_tag },
    { key: 'queue', title: 'Queue', get: c => c.queue.name, cell: c => h('a', {
      href: '#/queues/' + enc(c.queue.vhost) + '/' + enc(c.queue.name),
    }, c.queue.name) },
    { key: 'vhost', title: 'Virtual host', get: c => c.queue.vhost },
    { key: 'connection', title: 'Connection', get: c => c.channel_details.connection_name },
    { key: 'channel', title: 'Channel', num: true, get: c => c.channel_details.number },
    { key: 'user', title: 'User', get: c => c.channel_details.user },
    { key: 'ack', title: 'Ack required', get: c => (c.ack_required ? 'yes' : 'no') },
    { key: 'prefetch', title: 'Prefetch', num: true, get: c => c.prefetch_count },
    { key: 'exclusive', title: 'Exclusive', get: c => (c.exclusive ? 'yes' : 'no') },
    { key: 'status', title: 'Status', get: c => c.activity_status },
  ]);
  return {
    table: t.table,
    filterInput: t.filterInput,
    async refresh(vhost) {
      const all = await api('GET', vhost ? '/api/consumers/' + enc(vhost) : '/api/consumers');
      t.set(queue ? all.filter(c => c.queue.name === queue) : all);
    },
  };
}

function consumersPage() {
  const c = consumersTable();
  c.table.id = 'consumers';
  render(h('h1', {}, 'Consumers'), c.filterInput, c.table);
  poll(() => c.refresh());
}

/** {@code api}, also answering which nodes did not answer (x-weir-unanswered-nodes). */
async function apiWithHeaders(method, path) {
  const headers = { Accept: 'application/json', 'X-Requested-With': 'XMLHttpRequest' };
  if (state.auth) headers.Authorization = 'Basic ' + state.auth;
  const r = await fetch(path, { method, headers });
  if (r.status === 401) {
    logout('Log in again: the server refused these credentials.');
    throw new ApiError(401, 'login required');
  }
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, (data && (data.reason || data.error)) || r.statusText);
  return { data, unanswered: r.headers.get('x-weir-unanswered-nodes') };
}

registerPage('connections', () => connectionsPage());
registerPage('consumers', () => consumersPage());
