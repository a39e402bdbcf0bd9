// The few behaviours of the pages (no inline scripts: the Content-Security-Policy allows only this file).
(function () {
  "use strict";
  // Signing book: one confirmation before "Ký tất cả".
  var signAll = document.getElementById("sign-all");
  if (signAll) {
    signAll.addEventListener("submit", function (event) {
      if (!window.confirm(signAll.dataset.confirm)) { event.preventDefault(); }
    });
  }
  // Batch page: follow the batch until every document is signed or failed.
  var box = document.getElementById("progress");
  if (box && box.dataset.url) {
    var bar = document.getElementById("bar"), text = document.getElementById("progress-text");
    var show = function (p) {
      bar.max = p.total; bar.value = p.signed + p.failed;
      text.textContent = box.dataset.signed + " " + p.signed + "/" + p.total +
        (p.failed ? ", " + box.dataset.failed + " " + p.failed : "") + (p.pending ? "…" : ".");
      return p.pending === 0;
    };
    var poll = function () {
      fetch(box.dataset.url, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (p) {
        if (show(p)) { if (box.dataset.state !== "done" && box.dataset.state !== "partial") { window.location.reload(); } }
        else { window.setTimeout(poll, 500); }
      });
    };
    poll();
  }
})();
