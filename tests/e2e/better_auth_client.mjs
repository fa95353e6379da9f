// Better Auth's own client (createAuthClient from better-auth/client) against a running
// django_authsession server: node better_auth_client.mjs http://127.0.0.1:8000/api/auth
// Node has no cookie jar, so a small one stands in for the browser's (and sends Origin,
// as a browser does). Prints one JSON line per step; exits non-zero on the first surprise.
import { createAuthClient } from "better-auth/client";

import { check, cookieJarFetch } from "./browser_jar.mjs";

const baseURL = process.argv[2];
if (!baseURL) {
  console.error("usage: node better_auth_client.mjs <base URL of the auth endpoints>");
  process.exit(2);
}
const origin = new URL(baseURL).origin;

// A browser: a cookie jar and an Origin header (browser_jar.mjs).
function browser() {
  const { customFetchImpl, jar } = cookieJarFetch(origin);
  return { client: createAuthClient({ baseURL, fetchOptions: { customFetchImpl } }), jar };
}

const email = `e2e-${Date.now()}@example.com`;
const password = "better-auth-client-42";
const a = browser();
const b = browser();

const signUp = await a.client.signUp.email({ name: "E2E User", email, password });
check("signUp.email", signUp.data?.user?.email === email && signUp.data?.token, signUp.error);

const first = await a.client.getSession();
check(
  "getSession after sign-up",
  first.data?.user?.email === email && first.data?.session?.token === signUp.data.token,
  first.error,
);

const signIn = await b.client.signIn.email({ email, password });
check("signIn.email", signIn.data?.user?.email === email && signIn.data?.redirect === false, signIn.error);

const wrong = await b.client.signIn.email({ email, password: "not-the-password" });
check("signIn.email wrong password", wrong.error?.status === 401 && wrong.error?.code === "INVALID_EMAIL_OR_PASSWORD", wrong.error);

const listed = await a.client.listSessions();
check("listSessions", Array.isArray(listed.data) && listed.data.length === 2, listed.error);

const fresh = await b.client.getSession({ query: { disableCookieCache: true } });
check("getSession disableCookieCache", fresh.data?.session?.token === signIn.data.token, fresh.error);

const revoked = await a.client.revokeSession({ token: signIn.data.token });
check("revokeSession", revoked.data?.status === true, revoked.error);

const afterRevoke = await b.client.getSession();
check("revoked browser's getSession (warm cookie cache) is null", afterRevoke.data === null && !afterRevoke.error, afterRevoke.error);

const c = browser();
const signInC = await c.client.signIn.email({ email, password });
check("signIn.email in a third browser", signInC.data?.token, signInC.error);

const badChange = await a.client.changePassword({ currentPassword: "not-it", newPassword: "another-password-42" });
check("changePassword wrong current password", badChange.error?.status === 400 && badChange.error?.code === "INVALID_PASSWORD", badChange.error);

const changed = await a.client.changePassword({ currentPassword: password, newPassword: "another-password-42", revokeOtherSessions: true });
check("changePassword", changed.data?.token && changed.data?.user?.email === email, changed.error);

const stillIn = await a.client.getSession();
check("getSession after changePassword is the new session", stillIn.data?.session?.token === changed.data.token, stillIn.error);

const endedC = await c.client.getSession();
check("other browser's getSession (warm cookie cache) after changePassword is null", endedC.data === null && !endedC.error, endedC.error);

const signOut = await a.client.signOut();
check("signOut", signOut.data?.success === true, signOut.error);

const gone = await a.client.getSession();
check("getSession after signOut is null", gone.data === null && !gone.error, gone.error);
check("cookies cleared", ![...a.jar.keys()].some((name) => name.includes("session_token")), [...a.jar.keys()]);
