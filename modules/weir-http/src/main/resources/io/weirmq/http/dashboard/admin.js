// The Admin page: users (tags, passwords), virtual hosts and permissions, over /api/users,
// /api/vhosts and /api/permissions (AdminRoutes). Only administrators may use those endpoints, so the
// nav link shows only for them; the API refuses everyone else anyway. Helpers come from app.js.
'use strict';

const TAGS = ['administrator', 'monitoring', 'policymaker', 'management', 'impersonator'];

/** Checkboxes for the tags, for a form; {@code checked} the tags already set. */
function tagBoxes(prefix, checked) {
  return TAGS.map(t => h('label', { class: 'tag' }, t,
    h('input', { type: 'checkbox', name: prefix + '-' + t, value: t, checked: (checked || []).includes(t) })));
}

function checkedTags(form) {
  return [...form.querySelectorAll('input[type=checkbox]:checked')].map(i => i.value);
}

function adminPage() {
  const users = sortableTable([
    { key: 'name', title: 'User', get: u => u.name },
    { key: 'tags', title: 'Tags', get: u => u.tags.join(', ') },
    { key: 'actions', title: '', get: () => '', cell: u => h('span', { class: 'actions' },
      h('button', {
        type: 'button', class: 'plain', 'data-action': 'password', 'data-user': u.name,
        onclick: () => act('Changing the password', async () => {
          const password = prompt('New password for ' + u.name + ':');
          if (!password) return;
          await api('PUT', '/api/users/' + enc(u.name), { password, tags: u.tags });
          flash('Password of ' + u.name + ' changed.');
        }),
      }, 'Password'), ' ',
      h('button', {
        type: 'button', class: 'plain', 'data-action': 'tags', 'data-user': u.name,
        onclick: () => act('Changing the tags', async () => {
          const tags = prompt('Tags of ' + u.name + ' (comma-separated: ' + TAGS.join(', ') + '):', u.tags.join(','));
          if (tags === null) return;
          await api('PUT', '/api/users/' + enc(u.name), { tags });
          flash('Tags of ' + u.name + ' set.');
          await refresh();
        }),
      }, 'Tags'), ' ',
      h('button', {
        type: 'button', class: 'danger', 'data-action': 'delete', 'data-user': u.name,
        onclick: () => act('Deleting the user', async () => {
          if (!confirm('Delete the user ' + u.name + ' and its permissions?')) return;
          await api('DELETE', '/api/users/' + enc(u.name));
          flash('User ' + u.name + ' deleted.');
          await refresh();
        }),
      }, 'Delete')) },
  ]);
  users.table.id = 'users';

  const vhosts = sortableTable([
    { key: 'name', title: 'Virtual host', get: v => v.name },
    { key: 'actions', title: '', get: () => '', cell: v => h('button', {
      type: 'button', class: 'danger', 'data-vhost': v.name,
      onclick: () => act('Deleting the virtual host', async () => {
        if (!confirm('Delete the virtual host ' + v.name + ' with every exchange, queue and message in it?')) return;
        await api('DELETE', '/api/vhosts/' + enc(v.name));
        flash('Virtual host ' + v.name + ' deleted.');
        await refresh();
      }),
    }, 'Delete') },
  ]);
  vhosts.table.id = 'vhosts';

  const permissions = sortableTable([
    { key: 'user', title: 'User', get: p => p.user },
    { key: 'vhost', title: 'Virtual host', get: p => p.vhost },
    { key: 'configure', title: 'Configure', get: p => p.configure },
    { key: 'write', title: 'Write', get: p => p.write },
    { key: 'read', title: 'Read', get: p => p.read },
    { key: 'actions', title: '', get: () => '', cell: p => h('button', {
      type: 'button', class: 'danger', 'data-permission': p.user + '@' + p.vhost,
      onclick: () => act('Clearing the permissions', async () => {
        await api('DELETE', '/api/permissions/' + enc(p.vhost) + '/' + enc(p.user));
        flash('Permissions of ' + p.user + ' on ' + p.vhost + ' cleared.');
        await refresh();
      }),
    }, 'Clear') },
  ]);
  permissions.table.id = 'permissions';

  const newName = h('input', { name: 'name', required: true, autocomplete: 'off' });
  const newPassword = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' });
  const addUser = h('form', {
    class: 'inline', id: 'add-user',
    onsubmit: e => {
      e.preventDefault();
      act('Adding the user', async () => {
        await api('PUT', '/api/users/' + enc(newName.value), { password: newPassword.value, tags: checkedTags(addUser) });
        flash('User ' + newName.value + ' added.');
        newName.value = '';
        newPassword.value = '';
        addUser.querySelectorAll('input[type=checkbox]').forEach(box => { box.checked = false; });
        await refresh();
      });
    },
  }, h('label', {}, 'Name', newName), h('label', {}, 'Password', newPassword), tagBoxes('new'),
  h('button', { type: 'submit' }, 'Add user'));

  const vhostName = h('input', { name: 'name', required: true });
  const addVhost = h('form', {
    class: 'inline', id: 'add-vhost',
    onsubmit: e => {
      e.preventDefault();
      act('Adding the virtual host', async () => {
        await api('PUT', '/api/vhosts/' + enc(vhostName.value));
        flash('Virtual host ' + vhostName.value + ' added.');
        vhostName.value = '';
        await refresh();
      });
    },
  }, h('label', {}, 'Name', vhostName), h('button', { type: 'submit' }, 'Add virtual host'));

  const permUser = h('select', { name: 'user' });
  const permVhost = h('select', { name: 'vhost' });
  const configure = h('input', { name: 'configure', value: '.*' });
  const write = h('input', { name: 'write', value: '.*' });
  const read = h('input', { name: 'read', value: '.*' });
  const setPermission = h('form', {
    class: 'inline', id: 'set-permission',
    onsubmit: e => {
      e.preventDefault();
      act('Setting the permissions', async () => {
        await api('PUT', '/api/permissions/' + enc(permVhost.value) + '/' + enc(permUser.value),
          { configure: configure.value, write: write.value, read: read.value });
        flash('Permissions of ' + permUser.value + ' on ' + permVhost.value + ' set.');
        await refresh();
      });
    },
  }, h('label', {}, 'User', permUser), h('label', {}, 'Virtual host', permVhost),
  h('label', {}, 'Configure regexp', configure), h('label', {}, 'Write regexp', write),
  h('label', {}, 'Read regexp', read), h('button', { type: 'submit' }, 'Set permissions'));

  /** Keeps a select's choice across refreshes. */
  const options = (select, values) => {
    const chosen = select.value;
    select.replaceChildren(...values.map(v => h('option', { value: v }, v)));
    if (values.includes(chosen)) select.value = chosen;
  };

  const refresh = async () => {
    const [u, v, p] = await Promise.all([api('GET', '/api/users'), api('GET', '/api/vhosts'),
      api('GET', '/api/permissions')]);
    users.set(u);
    vhosts.set(v);
    permissions.set(p);
    options(permUser, u.map(x => x.name).sort());
    options(permVhost, v.map(x => x.name).sort());
  };

  render(h('h1', {}, 'Admin'),
    h('h2', {}, 'Users'), users.filterInput, users.table, h('h3', {}, 'Add a user'), addUser,
    h('h2', {}, 'Virtual hosts'), vhosts.table, h('h3', {}, 'Add a virtual host'), addVhost,
    h('h2', {}, 'Permissions'), h('p', { class: 'muted' },
      'Regular expressions on resource names, as RabbitMQ\'s: ".*" allows everything, "" nothing.'),
    permissions.table, h('h3', {}, 'Set permissions'), setPermission);
  // Not polled: the forms would lose what is being typed. Each change refreshes the lists.
  act('Listing users, virtual hosts and permissions', refresh);
}

/** Shows the Admin link only to administrators (whoami's tags), once per login. */
async function showAdminLink() {
  const link = document.querySelector('#nav a[data-page=admin]');
  if (!link) return;
  if (!state.auth) {
    link.hidden = true;
    showAdminLink.checkedFor = null;
    return;
  }
  if (showAdminLink.checkedFor === state.auth) return;
  showAdminLink.checkedFor = state.auth;
  try {
    const me = await api('GET', '/api/whoami');
    link.hidden = !(me.tags || []).includes('administrator');
  } catch (e) {
    link.hidden = true;
  }
}

registerPage('admin', () => adminPage());
window.addEventListener('hashchange', showAdminLink);
document.addEventListener('DOMContentLoaded', () => {
  showAdminLink();
  // A login shows the nav without a hash change: check again whenever it is shown.
  new MutationObserver(showAdminLink).observe(document.getElementById('nav'), { attributes: true });
});
