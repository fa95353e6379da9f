// A single-page app on another origin than the Django API, written with Better Auth's React
// client: a login form, a profile page, a protected page that sends signed-out visitors to the
// login form, and a sign-out button. tests/e2e/test_spa_cross_origin.py bundles it with esbuild
// and serves it as static files; the API's base URL comes from <meta name="auth-api">.
import { useEffect, useState, useSyncExternalStore } from "react";
import { createRoot } from "react-dom/client";
import { createAuthClient } from "better-auth/react";

// Cross-origin calls carry the cookies: Better Auth's client sends `credentials: "include"`.
const authClient = createAuthClient({
  baseURL: document.querySelector('meta[name="auth-api"]').content,
});

// A router of a dozen lines (history API), so the example needs no routing library.
const routeListeners = new Set();
function subscribeRoute(listener) {
  routeListeners.add(listener);
  window.addEventListener("popstate", listener);
  return () => {
    routeListeners.delete(listener);
    window.removeEventListener("popstate", listener);
  };
}
function usePath() {
  return useSyncExternalStore(subscribeRoute, () => window.location.pathname + window.location.search);
}
function navigate(to, { replace = false } = {}) {
  window.history[replace ? "replaceState" : "pushState"](null, "", to);
  window.__routes.push(to); // read by the test: every client-side navigation, in order
  for (const listener of routeListeners) listener();
}
window.__routes = [window.location.pathname];

function Link({ to, children }) {
  return (
    <a href={to} onClick={(event) => { event.preventDefault(); navigate(to); }}>
      {children}
    </a>
  );
}

function LoginPage({ next }) {
  const { data, refetch } = authClient.useSession();
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (data && !busy) navigate(next, { replace: true }); // already signed in
  }, [data, busy, next]);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const form = event.currentTarget.elements;
    const { error } = await authClient.signIn.email(
      { email: form.email.value, password: form.password.value },
      // No refresh of the session from the client's timer: it would cancel ours, below.
      { disableSignal: true },
    );
    if (error) {
      setError(error.message);
      setBusy(false);
      return;
    }
    // signIn.email resolves before the useSession atom knows about the new session. Navigating
    // now would render the protected page with the old "signed out" value and bounce back
    // here: refetch the session first.
    await refetch();
    navigate(next);
  }

  return (
    <form id="login-form" onSubmit={submit}>
      <h1>Sign in</h1>
      <label htmlFor="email">Email</label>
      <input id="email" name="email" type="email" autoComplete="username" required />
      <label htmlFor="password">Password</label>
      <input id="password" name="password" type="password" autoComplete="current-password" required />
      <button type="submit" disabled={busy}>Sign in</button>
      {error && <p id="login-error" role="alert">{error}</p>}
    </form>
  );
}

// Renders its children with the session, or sends a signed-out visitor to the login form.
function Protected({ children }) {
  const { data, isPending } = authClient.useSession();
  const path = usePath();
  useEffect(() => {
    if (!isPending && !data) navigate(`/login?next=${encodeURIComponent(path)}`, { replace: true });
  }, [isPending, data, path]);
  if (!data) return <p id="loading">Loading…</p>;
  return children(data);
}

function SignOutButton() {
  async function signOut() {
    // No navigation here: the client refreshes the useSession atom itself a moment later, and
    // <Protected> then sends the signed-out visitor to the login form. (Navigating now would
    // show the login form the old "signed in" value, which it forwards back.)
    await authClient.signOut();
  }
  return <button id="sign-out" type="button" onClick={signOut}>Sign out</button>;
}

function ProfilePage({ user }) {
  return (
    <section>
      <h1>Profile</h1>
      <p>Name: <span id="profile-name">{user.name}</span></p>
      <p>Email: <span id="profile-email">{user.email}</span></p>
      <nav><Link to="/protected">Protected page</Link></nav>
      <SignOutButton />
    </section>
  );
}

function ProtectedPage({ user }) {
  return (
    <section>
      <h1>Protected</h1>
      <p id="protected-greeting">Only signed-in users see this, {user.email}.</p>
      <nav><Link to="/profile">Profile</Link></nav>
      <SignOutButton />
    </section>
  );
}

// Only a path of this app is a place to go after sign-in (not "//other.example", "/\\x", "https:").
function localPath(next) {
  return next && /^\/(?![\/\\])/.test(next) ? next : "/profile";
}

function App() {
  const path = usePath();
  const url = new URL(path, window.location.origin);
  switch (url.pathname) {
    case "/login":
      return <LoginPage next={localPath(url.searchParams.get("next"))} />;
    case "/protected":
      return <Protected>{({ user }) => <ProtectedPage user={user} />}</Protected>;
    default:
      return <Protected>{({ user }) => <ProfilePage user={user} />}</Protected>;
  }
}

createRoot(document.getElementById("root")).render(<App />);
