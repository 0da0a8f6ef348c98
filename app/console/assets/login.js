// The login's script: once a login at an identity provider has finished,
// it goes on to the console from the console's own page, so that the
// browser sends the session cookie (SameSite=Strict), which it holds back
// on the navigation that came from the provider's site.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const next = document.querySelector("[data-continue]");
  if (next) location.replace(next.href);
});
