/*
 * django-authsession browser client: a dependency-free wrapper over the JSON endpoints, for pages
 * that do not use Better Auth's own client. Load it with {% static "django_authsession/auth-client.js" %}.
 *
 *   const auth = DjangoAuthSession.createAuthClient("/api/auth");
 *   const { session, user } = await auth.getSession();           // both null when signed out
 *   await auth.signInEmail({ email, password, rememberMe: true });
 *   await auth.signOut();
 *
 * Every call resolves to the endpoint's JSON body, or rejects with an AuthError whose message is
 * safe to show and whose code is the endpoint's error code (INVALID_EMAIL_OR_PASSWORD, ...).
 */
(function (global) {
  "use strict";

  class AuthError extends Error {
    constructor(message, code, status) {
      super(message);
      this.name = "AuthError";
      this.code = code || null;
      this.status = status;
    }
  }

  async function toError(response) {
    try {
      const body = await response.json();
      if (body && body.message) {
        return new AuthError(body.message, body.code, response.status);
      }
    } catch (ignored) {
      // Not JSON: fall through to the status line.
    }
    return new AuthError("Request failed with status " + response.status, null, response.status);
  }

  function createAuthClient(baseURL) {
    const base = (baseURL || "/api/auth").replace(/\/+$/, "");

    async function call(path, method, body) {
      const response = await fetch(base + path, {
        method: method,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "Content-Type": "application/json" },
        body: method === "GET" ? undefined : JSON.stringify(body || {}),
      });
      if (!response.ok) {
        throw await toError(response);
      }
      return response.json();
    }

    return {
      getSession: function () { return call("/session", "GET"); },
      signInEmail: function (credentials) { return call("/sign-in/email", "POST", credentials); },
      signUpEmail: function (details) { return call("/sign-up/email", "POST", details); },
      signOut: function () { return call("/sign-out", "POST"); },
      listSessions: function () { return call("/list-sessions", "GET"); },
      revokeSession: function (which) { return call("/revoke-session", "POST", which); },
      revokeOtherSessions: function () { return call("/revoke-other-sessions", "POST"); },
      revokeSessions: function () { return call("/revoke-sessions", "POST"); },
      // With django_authsession.activity installed:
      securityEvents: function () { return call("/security-events", "GET"); },
      knownDevices: function () { return call("/known-devices", "GET"); },
      forgetDevice: function (id) { return call("/forget-device", "POST", { id: Number(id) }); },
    };
  }

  global.DjangoAuthSession = { createAuthClient: createAuthClient, AuthError: AuthError };
})(window);
