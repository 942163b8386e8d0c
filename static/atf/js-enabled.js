// Loaded at the top of <body>, before anything is drawn: the NHS.UK styles that need
// JavaScript apply from the first paint. A file of its own, as the Content-Security-Policy
// allows no inline script.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
