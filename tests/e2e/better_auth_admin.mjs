// Better Auth's own client with its admin plugin (adminClient from better-auth/client/plugins)
// against a running django_authsession server:
//   node better_auth_admin.mjs <base URL> <admin email> <target email> <plain user email> <password>
// The admin is a staff user with the permissions the endpoints need; the plain user is not
// staff. Prints one JSON line per step; exits non-zero on the first surprise.
import { createAuthClient } from "better-auth/client";
import { adminClient } from "better-auth/client/plugins";

import { check, cookieJarFetch } from "./browser_jar.mjs";

const [baseURL, adminEmail, targetEmail, plainEmail, password] = process.argv.slice(2);
if (!password) {
  console.error("usage: node better_auth_admin.mjs <base URL> <admin> <target> <plain> <password>");
  process.exit(2);
}
const origin = new URL(baseURL).origin;

function browser() {
  const { customFetchImpl, jar, attributes } = cookieJarFetch(origin);
  const client = createAuthClient({
    baseURL,
    plugins: [adminClient()],
    fetchOptions: { customFetchImpl },
  });
  return { client, jar, attributes };
}

const maxAge = (b, suffix) =>
  (b.attributes.get(`better-auth.${suffix}`) || []).find((a) => a.startsWith("max-age="));

const admin = browser();
const target = browser();
const plain = browser();

const adminIn = await admin.client.signIn.email({ email: adminEmail, password });
check("admin signIn.email", adminIn.data?.user?.email === adminEmail, adminIn.error);
const targetIn = await target.client.signIn.email({ email: targetEmail, password });
check("target signIn.email", targetIn.data?.user?.email === targetEmail, targetIn.error);
const plainIn = await plain.client.signIn.email({ email: plainEmail, password });
check("plain user signIn.email", plainIn.data?.user?.email === plainEmail, plainIn.error);
const adminId = adminIn.data.user.id;
const targetId = targetIn.data.user.id;

// A user who is not staff gets 403 on each call, whatever it sends.
for (const [name, call] of [
  ["listUserSessions", () => plain.client.admin.listUserSessions({ userId: targetId })],
  ["revokeUserSession", () => plain.client.admin.revokeUserSession({ sessionToken: "x" })],
  ["revokeUserSessions", () => plain.client.admin.revokeUserSessions({ userId: targetId })],
  ["banUser", () => plain.client.admin.banUser({ userId: targetId })],
  ["unbanUser", () => plain.client.admin.unbanUser({ userId: targetId })],
  ["impersonateUser", () => plain.client.admin.impersonateUser({ userId: targetId })],
]) {
  const refused = await call();
  check(`non-staff ${name} is 403`, refused.error?.status === 403 && !refused.data, refused.error);
}
const stillTarget = await target.client.getSession();
check("target untouched by the refused calls", stillTarget.data?.user?.email === targetEmail, stillTarget.error);

const listed = await admin.client.admin.listUserSessions({ userId: targetId });
check(
  "admin.listUserSessions",
  listed.data?.sessions?.length === 1 && listed.data.sessions[0].userId === targetId,
  listed.error,
);

const revoked = await admin.client.admin.revokeUserSession({
  sessionToken: listed.data.sessions[0].token,
});
check("admin.revokeUserSession", revoked.data?.success === true, revoked.error);
const targetGone = await target.client.getSession();
check("revoked user's getSession (warm cookie cache) is null", targetGone.data === null, targetGone.error);

const again = await target.client.signIn.email({ email: targetEmail, password });
check("target signs in again", again.data?.token, again.error);
const revokedAll = await admin.client.admin.revokeUserSessions({ userId: targetId });
check("admin.revokeUserSessions", revokedAll.data?.success === true, revokedAll.error);
const targetGoneAgain = await target.client.getSession();
check("every session of the user ended", targetGoneAgain.data === null, targetGoneAgain.error);

const adminMaxAge = maxAge(admin, "session_token");
for (const round of [1, 2]) {
  const started = await admin.client.admin.impersonateUser({ userId: targetId });
  check(
    `admin.impersonateUser (round ${round})`,
    started.data?.user?.id === targetId && started.data?.session?.impersonatedBy === adminId,
    started.error,
  );
  const asTarget = await admin.client.getSession();
  check(
    `getSession while impersonating is the user (round ${round})`,
    asTarget.data?.user?.email === targetEmail && asTarget.data?.session?.impersonatedBy === adminId,
    asTarget.error,
  );
  const stopped = await admin.client.admin.stopImpersonating();
  check(`admin.stopImpersonating (round ${round})`, stopped.data?.user?.email === adminEmail, stopped.error);
  const back = await admin.client.getSession();
  check(
    `getSession after stopping is the admin (round ${round})`,
    back.data?.user?.email === adminEmail && !back.data?.session?.impersonatedBy,
    back.error,
  );
  check(
    `restored cookie keeps its Max-Age (round ${round})`,
    adminMaxAge && maxAge(admin, "session_token") && !admin.jar.has("better-auth.admin_session"),
    [...admin.attributes],
  );
}

const banned = await admin.client.admin.banUser({ userId: targetId, banReason: "e2e" });
check("admin.banUser", banned.data?.user?.banned === true && banned.data.user.banReason === "e2e", banned.error);
const bannedIn = await target.client.signIn.email({ email: targetEmail, password });
check("banned user's signIn is 403 BANNED_USER", bannedIn.error?.status === 403 && bannedIn.error?.code === "BANNED_USER", bannedIn.error);
const unbanned = await admin.client.admin.unbanUser({ userId: targetId });
check("admin.unbanUser", unbanned.data?.user?.banned === false, unbanned.error);
const backIn = await target.client.signIn.email({ email: targetEmail, password });
check("unbanned user signs in", backIn.data?.user?.email === targetEmail, backIn.error);

const notImpersonating = await admin.client.admin.stopImpersonating();
check("stopImpersonating without impersonating is 400", notImpersonating.error?.status === 400, notImpersonating.error);
