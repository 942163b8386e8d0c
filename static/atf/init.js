// Start the NHS.UK design system's components. The script's address comes from the page
// (templates/base.html), as collectstatic gives it a name that changes with its content.
const script = document.querySelector("script[data-nhsuk-frontend]");
const { initAll } = await import(script.dataset.nhsukFrontend);
initAll();
