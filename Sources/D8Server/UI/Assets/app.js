// Live refresh: every few seconds the page's main part is fetched again (`fragment=1` makes the
// server answer with it alone) unless paused, or while someone types in a form.
(function () {
  const button = document.getElementById("live");
  const main = document.getElementById("main");
  if (!button || !main) return;
  let live = localStorage.getItem("d8-live") !== "paused";
  function show() {
    button.textContent = live ? "Pause live updates" : "Resume live updates";
    button.setAttribute("aria-pressed", String(live));
  }
  button.addEventListener("click", function () {
    live = !live;
    localStorage.setItem("d8-live", live ? "live" : "paused");
    show();
  });
  show();
  setInterval(async function () {
    if (!live || document.activeElement && document.activeElement.closest("form")) return;
    try {
      const url = new URL(location.href);
      url.searchParams.set("fragment", "1");
      url.searchParams.delete("done");
      const answer = await fetch(url, { credentials: "same-origin" });
      if (answer.ok) main.innerHTML = await answer.text();
    } catch (e) { /* the orchestrator may be restarting: try again next time */ }
  }, 2000);
})();
