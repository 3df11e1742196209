// The console's shell: the session (a login form when the listener takes SASL logins), the
// navigation and the hash routes (#/overview, #/topics/<name>, #/groups/<id>, #/messages?…).
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ErrorLine, html, onUnauthorized } from './lib.js';
import {
  Events, GroupDetail, Groups, Messages, Overview, TopicDetail, Topics,
} from './pages.js';

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const changed = () => setHash(location.hash);
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return hash;
}

function route(hash) {
  const [path, query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter((p) => p !== '').map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  return { parts, params: new URLSearchParams(query) };
}

function Page({ hash }) {
  const { parts, params } = route(hash);
  const [first, second] = parts;
  switch (first) {
    case 'topics': return second === undefined ? html`<${Topics} />` : html`<${TopicDetail} name=${second} />`;
    case 'groups': return second === undefined ? html`<${Groups} />` : html`<${GroupDetail} id=${second} />`;
    case 'messages': return html`<${Messages} params=${params} key=${hash} />`;
    case 'events': return html`<${Events} />`;
    default: return html`<${Overview} />`;
  }
}

const pages = [['overview', 'Overview'], ['topics', 'Topics'], ['groups', 'Consumer groups'],
  ['messages', 'Messages'], ['events', 'Events']];

function Login({ mechanism, loggedIn }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    try {
      const r = await api('POST', 'login', { username: user, password });
      setPassword('');
      loggedIn(r.user);
    } catch (err) {
      setPassword('');
      setError(err.message);
    }
  };
  return html`<form id="login" onSubmit=${submit}>
    <h2>Log in</h2>
    <p class="muted">With a SASL user of this cluster (${mechanism}); what you may see and do is what
      the cluster's ACLs allow that user.</p>
    <label>User <input id="login-user" autocomplete="username" value=${user} required
      onInput=${(e) => setUser(e.currentTarget.value)} /></label>
    <label>Password <input id="login-password" type="password" autocomplete="current-password"
      value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} /></label>
    <button id="login-go" type="submit">Log in</button>
    <${ErrorLine} error=${error} />
  </form>`;
}

function App() {
  const hash = useHash();
  const [session, setSession] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', 'session').then(setSession, (e) => setError(e.message));
    return onUnauthorized(() => setSession((s) => (s === null ? s : { ...s, user: null })));
  }, []);
  if (session === null) return html`<${ErrorLine} error=${error} />`;
  const logout = async () => {
    await api('POST', 'logout').catch(() => null);
    setSession({ ...session, user: null });
  };
  const needsLogin = session.security && session.user === null;
  const current = route(hash).parts[0] ?? 'overview';
  return html`<header>
      <h1>Pado console</h1>
      ${!needsLogin && html`<nav>${pages.map(([id, title]) => html`<a id=${`nav-${id}`}
        href=${`#/${id}`} class=${current === id ? 'current' : ''}>${title}</a>`)}</nav>`}
      <span class="user">${session.security
        ? (session.user === null ? 'not logged in' : html`<span id="user">${session.user}</span>
          <button id="logout" onClick=${logout}>Log out</button>`)
        : 'security off'}</span>
    </header>
    <main>${needsLogin
      ? html`<${Login} mechanism=${session.mechanism} loggedIn=${(user) => setSession({ ...session, user })} />`
      : html`<${Page} hash=${hash} />`}</main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
