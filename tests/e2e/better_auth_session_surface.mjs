// Better Auth's own client (createAuthClient from better-auth/client), unchanged, against the rest
// of the session surface: updateSession (a server declaring the session field
// activeOrganizationId), a bearer-only client configured as Better Auth's bearer plugin documents
// it (fetchOptions.auth + onSuccess reading set-auth-token, no cookie jar), and SESSION_NOT_FRESH
// after the fresh age, fresh again after signing in again, on the same session.
//   node better_auth_session_surface.mjs <base URL of the auth endpoints> <fresh age in seconds>
// Prints one JSON line per step; exits non-zero on the first surprise.
import { createAuthClient } from "better-auth/client";

import { check, cookieJarFetch } from "./browser_jar.mjs";

const baseURL = process.argv[2];
const freshAge = Number(process.argv[3] || "0");
if (!baseURL || !freshAge) {
  console.error("usage: node better_auth_session_surface.mjs <base URL> <fresh age seconds>");
  process.exit(2);
}
const origin = new URL(baseURL).origin;

// A browser: a cookie jar and an Origin header (browser_jar.mjs).
function browser() {
  const { customFetchImpl, jar } = cookieJarFetch(origin);
  return { client: createAuthClient({ baseURL, fetchOptions: { customFetchImpl } }), jar };
}

// A mobile app: Node's fetch keeps no cookies and sends no Origin. The client is configured
// exactly as Better Auth's bearer plugin documents (localStorage stood in for by a Map).
function bearerApp() {
  const storage = new Map();
  const seen = { cookies: 0 };
  async function customFetchImpl(input, init = {}) {
    const response = await fetch(input, init);
    seen.cookies += response.headers.getSetCookie().length;
    return response;
  }
  const client = createAuthClient({
    baseURL,
    fetchOptions: {
      customFetchImpl,
      onSuccess: (ctx) => {
        const authToken = ctx.response.headers.get("set-auth-token");
        if (authToken) storage.set("bearer_token", authToken);
      },
      auth: {
        type: "Bearer",
        token: () => storage.get("bearer_token") || "",
      },
    },
  });
  return { client, storage, seen };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const email = `surface-${Date.now()}@example.com`;
const password = "better-auth-client-42";
const a = browser();

const signUp = await a.client.signUp.email({ name: "Surface User", email, password });
check("signUp.email", signUp.data?.token, signUp.error);

// updateSession round trip.
const before = await a.client.getSession();
check("session field default", before.data?.session?.activeOrganizationId === null, before.data);
const updated = await a.client.updateSession({ activeOrganizationId: "org_42", unknownKey: 1 });
check(
  "updateSession",
  updated.data?.session?.activeOrganizationId === "org_42" && !("unknownKey" in updated.data.session),
  updated.error,
);
const cached = await a.client.getSession();
check("getSession (cookie cache) carries the field", cached.data?.session?.activeOrganizationId === "org_42", cached.data);
const fromDb = await a.client.getSession({ query: { disableCookieCache: true } });
check("getSession (database) carries the field", fromDb.data?.session?.activeOrganizationId === "org_42", fromDb.data);
const refused = await a.client.updateSession({ role: "admin" });
check("updateSession of an input:false field", refused.error?.status === 400 && refused.error?.code === "FIELD_NOT_ALLOWED", refused.error);

// A bearer-only client: signs in, reads its session, is revoked.
const app = bearerApp();
const appIn = await app.client.signIn.email({ email, password });
check("bearer signIn.email stores set-auth-token", appIn.data?.token && app.storage.get("bearer_token"), appIn.error);
app.seen.cookies = 0;
const appSession = await app.client.getSession();
check("bearer getSession", appSession.data?.session?.token === appIn.data.token && appSession.data?.user?.email === email, appSession.error);
const appUpdate = await app.client.updateSession({ activeOrganizationId: "org_app" });
check("bearer updateSession", appUpdate.data?.session?.activeOrganizationId === "org_app", appUpdate.error);
check("no cookie set on bearer-only answers", app.seen.cookies === 0, app.seen);
const listed = await a.client.listSessions();
check("listSessions sees the app's session", listed.data?.length === 2, listed.error);
const revoke = await a.client.revokeSession({ token: appIn.data.token });
check("revokeSession of the app's session", revoke.data?.status === true, revoke.error);
const appGone = await app.client.getSession();
check("revoked bearer client's getSession is null", appGone.data === null && !appGone.error, appGone);
const stale = await a.client.revokeSession({ token: appIn.data.token });
check("revokeSession of a session already gone", stale.data?.status === true, stale.error);

// SESSION_NOT_FRESH after the fresh age; fresh again after the password check, same session.
const freshList = await a.client.listSessions();
check("listSessions while fresh", freshList.data?.length === 1, freshList.error);
const sessionId = freshList.data[0].id;
await sleep(freshAge * 1000 + 500);
const staleList = await a.client.listSessions();
check("listSessions after the fresh age", staleList.error?.status === 403 && staleList.error?.code === "SESSION_NOT_FRESH", staleList.error);
const again = await a.client.signIn.email({ email, password });
check("signIn.email again (the password check)", again.data?.token && again.data.token !== signUp.data.token, again.error);
const freshAgain = await a.client.listSessions();
check(
  "listSessions fresh again, the same session",
  freshAgain.data?.length === 1 && freshAgain.data[0].id === sessionId,
  freshAgain.error || freshAgain.data,
);
const kept = await a.client.getSession();
check("the session keeps its fields", kept.data?.session?.activeOrganizationId === "org_42", kept.data);
