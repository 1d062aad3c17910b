// The Policies page (docs/protocol.md, "Policies"): list, add or replace, delete. Uses app.js's helpers.
'use strict';

registerPage('policies', () => {
  const t = sortableTable([
    { key: 'vhost', title: 'Virtual host', get: p => p.vhost },
    { key: 'name', title: 'Name', get: p => p.name },
    { key: 'pattern', title: 'Pattern', get: p => p.pattern },
    { key: 'apply-to', title: 'Apply to', get: p => p['apply-to'] },
    { key: 'priority', title: 'Priority', num: true, get: p => p.priority },
    { key: 'definition', title: 'Definition', get: p => JSON.stringify(p.definition) },
    {
      key: 'delete', title: '', get: () => '',
      cell: p => h('button', {
        type: 'button', class: 'danger', 'data-policy': p.name,
        onclick: e => {
          e.stopPropagation();
          act('Deleting the policy', async () => {
            if (!confirm('Delete the policy ' + p.name + '? Its queues go back to their own arguments.')) return;
            await api('DELETE', '/api/policies/' + enc(p.vhost) + '/' + enc(p.name));
            flash('Policy ' + p.name + ' deleted.');
            await refresh();
          });
        },
      }, 'Delete'),
    },
  ], p => {
    // Clicking a row fills the form, to change that policy.
    vhost.value = p.vhost;
    name.value = p.name;
    pattern.value = p.pattern;
    applyTo.value = p['apply-to'];
    priority.value = p.priority;
    definition.value = JSON.stringify(p.definition, null, 2);
  });
  t.table.id = 'policies';
  const vhost = h('input', { name: 'vhost', value: '/' });
  const name = h('input', { name: 'name', required: true });
  const pattern = h('input', { name: 'pattern', required: true, placeholder: '^orders\\.' });
  const applyTo = h('select', { name: 'apply-to' }, ['queues', 'exchanges', 'all'].map(v => h('option', { value: v }, v)));
  const priority = h('input', { name: 'priority', type: 'number', value: 0 });
  const definition = h('textarea', { name: 'definition', rows: 4, cols: 48, placeholder: '{"max-length": 1000}' });
  const refresh = async () => t.set(await api('GET', '/api/policies'));
  render(h('h1', {}, 'Policies'),
    h('p', { class: 'muted' }, 'A policy sets queue settings for every queue whose name matches its pattern, live. '
      + 'For message-ttl, expires, max-length, max-length-bytes and delivery-limit the lower of the queue\'s '
      + 'argument and the policy applies; for other keys the queue\'s argument wins.'),
    t.filterInput, t.table,
    h('h2', {}, 'Add or update a policy'),
    h('form', {
      class: 'inline', id: 'add-policy',
      onsubmit: e => {
        e.preventDefault();
        let parsed;
        try {
          parsed = JSON.parse(definition.value);
        } catch (err) {
          flash('Definition: not valid JSON (' + err.message + '). Write an object such as {"max-length": 1000}.', true);
          return;
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          flash('Definition: must be a JSON object such as {"max-length": 1000}.', true);
          return;
        }
        act('Saving the policy', async () => {
          await api('PUT', '/api/policies/' + enc(vhost.value) + '/' + enc(name.value), {
            pattern: pattern.value, 'apply-to': applyTo.value, priority: Number(priority.value), definition: parsed,
          });
          flash('Policy ' + name.value + ' saved.');
          await refresh();
        });
      },
    }, h('label', {}, 'Virtual host', vhost), h('label', {}, 'Name', name), h('label', {}, 'Pattern', pattern),
    h('label', {}, 'Apply to', applyTo), h('label', {}, 'Priority', priority),
    h('label', {}, 'Definition (JSON)', definition), h('button', { type: 'submit' }, 'Save policy')));
  poll(refresh);
});
