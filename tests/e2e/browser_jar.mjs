// What the Node scripts of tests/e2e share: Node's fetch keeps no cookies and sends no Origin,
// so a small cookie jar stands in for the browser's, and `check` prints one JSON line per step
// and exits non-zero on the first surprise.

// A fetch for Better Auth's client (`fetchOptions.customFetchImpl`) that keeps cookies in
// `jar` (name -> value) and their attributes in `attributes` (name -> lower-cased list), and
// sends `Origin` as a browser does.
export function cookieJarFetch(origin) {
  const jar = new Map();
  const attributes = new Map();
  async function customFetchImpl(input, init = {}) {
    const headers = new Headers(init.headers || {});
    headers.set("Origin", origin);
    if (jar.size) {
      headers.set("Cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const response = await fetch(input, { ...init, headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...rest] = line.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim().replace(/^"|"$/g, "");
      const expired = rest.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === "") {
        jar.delete(name);
        attributes.delete(name);
      } else {
        jar.set(name, value);
        attributes.set(name, rest.map((a) => a.trim().toLowerCase()));
      }
    }
    return response;
  }
  return { customFetchImpl, jar, attributes };
}

export function check(step, condition, detail) {
  console.log(JSON.stringify({ step, ok: Boolean(condition), detail }));
  if (!condition) process.exit(1);
}
