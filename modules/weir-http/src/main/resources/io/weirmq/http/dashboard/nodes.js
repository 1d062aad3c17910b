// The Nodes page: every cluster member with its JVM figures and the queues it leads and mirrors
// (GET /api/nodes, monitoring or administrator users), and one node's lists (GET /api/nodes/{name}).
'use strict';

function bytes(n) {
  return n == null || n < 0 ? '–' : (n / 1048576).toFixed(0) + ' MiB';
}

function uptime(ms) {
  if (ms == null) return '–';
  const s = Math.floor(ms / 1000);
  return s >= 3600 ? Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min'
    : s >= 60 ? Math.floor(s / 60) + ' min ' + (s % 60) + ' s' : s + ' s';
}

function nodesPage() {
  const table = sortableTable([
    { key: 'name', title: 'Name', get: n => n.name },
    { key: 'running', title: 'Running', get: n => (n.running ? 'yes' : 'no' + (n.error ? ' (' + n.error + ')' : '')) },
    { key: 'status', title: 'Status', get: n => n.status + (n.reachable ? '' : ', unreachable') },
    { key: 'uptime', title: 'Uptime', get: n => n.uptime ?? -1, cell: n => uptime(n.uptime) },
    { key: 'heap', title: 'Heap used / max', get: n => n.heap_used ?? -1, cell: n => bytes(n.heap_used) + ' / ' + bytes(n.heap_max) },
    { key: 'processors', title: 'Processors', num: true, get: n => n.processors ?? '' },
    { key: 'led', title: 'Queues led', num: true, get: n => n.queues_led ?? '' },
    { key: 'mirrored', title: 'Queues mirrored', num: true, get: n => n.queues_mirrored ?? '' },
  ], n => { location.hash = '#/nodes/' + enc(n.name); });
  table.table.id = 'nodes';
  render(h('h1', {}, 'Nodes'),
    h('p', { class: 'muted' }, 'Every member of the cluster. A queue is led by one node and mirrored on others.'),
    table.filterInput, table.table);
  poll(async () => table.set(await api('GET', '/api/nodes')));
}

function nodePage(name) {
  const queueLink = q => h('a', { href: '#/queues/' + enc(q.vhost) + '/' + enc(q.name) }, q.name);
  const leads = sortableTable([
    { key: 'name', title: 'Queue', get: q => q.name, cell: queueLink },
    { key: 'vhost', title: 'Virtual host', get: q => q.vhost },
  ]);
  leads.table.id = 'node-leads';
  const mirrors = sortableTable([
    { key: 'name', title: 'Queue', get: q => q.name, cell: queueLink },
    { key: 'vhost', title: 'Virtual host', get: q => q.vhost },
    { key: 'seq', title: 'Sequence number held', num: true, get: q => q.seq },
    { key: 'messages', title: 'Messages', num: true, get: q => q.messages },
    { key: 'catching_up', title: 'Catching up', get: q => (q.catching_up ? 'yes' : 'no') },
  ]);
  mirrors.table.id = 'node-mirrors';
  render(h('h1', {}, 'Node ', name),
    h('p', { class: 'muted', id: 'node-summary' }),
    h('h2', {}, 'Queues it leads'), leads.table,
    h('h2', {}, 'Queues it mirrors'), mirrors.table);
  poll(async () => {
    const n = await api('GET', '/api/nodes/' + enc(name));
    document.getElementById('node-summary').textContent = (n.running ? 'running' : 'not answering: ' + n.error)
      + ', ' + n.status + ', up ' + uptime(n.uptime) + ', heap ' + bytes(n.heap_used) + ' of ' + bytes(n.heap_max)
      + ', ' + (n.processors ?? '–') + ' processors';
    leads.set(n.leads || []);
    mirrors.set(n.mirrors || []);
  });
}

registerPage('nodes', rest => (rest.length >= 1 ? nodePage(rest[0]) : nodesPage()));
