// /console/pair?user_code=BCDF-GHJK is the verification URI a screen shows (RFC 8628, and its QR
// code): it opens the console's pairing form with the code filled in.
const code = new URLSearchParams(location.search).get("user_code") ?? "";
const target = new URL("../", location.href);
target.hash = `#/signage/pair${code ? `?user_code=${encodeURIComponent(code)}` : ""}`;
/** @type {HTMLAnchorElement} */ (document.getElementById("continue")).href = target.href;
location.replace(target.href);
