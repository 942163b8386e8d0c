// A job's progress page, kept up to date without reloading it: every two seconds the page is read
// again and its status and outcome are put in place, until the job is done or has failed. The status
// is an aria-live region, so a screen reader hears each change. Without script, a <noscript> meta
// refresh reloads the whole page instead.
const parts = ["job-status", "job-outcome"];
const every = Number(document.getElementById("job-status")?.dataset.refresh || 0) * 1000;

async function update() {
  let response;
  try {
    response = await fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } });
  } catch {
    return true; // the server is restarting: try again
  }
  if (!response.ok) return true;
  const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
  for (const id of parts) {
    const here = document.getElementById(id);
    const there = fresh.getElementById(id);
    if (here && there && here.innerHTML !== there.innerHTML) here.innerHTML = there.innerHTML;
  }
  return Boolean(fresh.getElementById("job-status")?.dataset.refresh);
}

async function poll() {
  if (await update()) window.setTimeout(poll, every);
}

if (every) window.setTimeout(poll, every);
