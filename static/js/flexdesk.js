/* Page behaviour declared in the markup with data-* attributes, so that no page needs inline script
   (the Content-Security-Policy allows scripts from the app's own files only). Listeners are delegated
   from the document, so content that htmx swaps in behaves the same without re-binding.

   data-confirm="Question?"    on a form: ask before it submits; on a button or link: ask before the click acts
   data-print                  a button that prints the page
   data-autosubmit             a select that submits its form when changed
   data-select-all="SELECTOR"  a checkbox that checks or unchecks every element matching SELECTOR
   data-select-on-click        an input whose text is selected when clicked (for copying)
   data-width="42"             an element whose width is that percentage (progress bars)
   data-poll-visible-only      an htmx poller that skips its request while the tab is hidden (htmx's trigger
                               filter "[document.visibilityState …]" would need eval, which the policy forbids)
   data-poll-paused-while="SELECTOR"  an htmx poller that skips its request while it holds an element matching
                               SELECTOR (a list whose checkboxes are being ticked must not be swapped away)
*/
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]:not(form), [data-print], [data-select-all], [data-select-on-click]") : null;
    if (!target) { return; }
    if (target.matches("[data-confirm]:not(form)") && !window.confirm(target.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    if (target.matches("[data-print]")) {
      window.print();
    }
    if (target.matches("[data-select-all]")) {
      document.querySelectorAll(target.dataset.selectAll).forEach(function (box) { box.checked = target.checked; });
    }
    if (target.matches("[data-select-on-click]")) {
      target.select();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
      if (target.form.requestSubmit) { target.form.requestSubmit(); } else { target.form.submit(); }
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (source && source.matches && source.matches("[data-poll-visible-only]") && document.visibilityState !== "visible") {
      event.preventDefault();
    }
    if (source && source.matches && source.matches("[data-poll-paused-while]") && source.querySelector(source.dataset.pollPausedWhile)) {
      event.preventDefault();
    }
  });

  function applyWidths(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("[data-width]")) { scope.style.width = scope.dataset.width + "%"; }
    scope.querySelectorAll("[data-width]").forEach(function (el) { el.style.width = el.dataset.width + "%"; });
  }

  document.addEventListener("DOMContentLoaded", function () { applyWidths(document); });
  // htmx fires htmx:load on every element it swaps in (the polled payout-run progress bar, for one).
  document.addEventListener("htmx:load", function (event) { applyWidths(event.target); });
})();
