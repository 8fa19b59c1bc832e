/* Saved replies in a ticket's reply box (templates/queues/includes/_saved_replies.html): the search box filters
   the list; "Insert" puts the reply (already filled in for this ticket by the server) into the reply text, notes
   which saved reply it was (the hidden saved_reply_id: the server counts the use and applies its status) and
   shows that status in the "Then set the ticket to" picker. No inline script: the markup's data-* attributes. */
(function () {
  "use strict";
  function field(prefix, name) { return document.getElementById("id_" + prefix + "-" + name); }

  function setUp(box) {
    if (box.dataset.ready) { return; }
    box.dataset.ready = "1";
    var prefix = box.dataset.replyForm || "reply";
    var search = box.querySelector("[data-saved-reply-search]");
    var empty = box.querySelector("[data-saved-reply-empty]");
    if (search) {
      search.addEventListener("input", function () {
        var words = search.value.toLowerCase().split(/\s+/).filter(Boolean), shown = 0;
        box.querySelectorAll("[data-saved-reply-item]").forEach(function (item) {
          var text = item.dataset.search || "";
          var match = words.every(function (word) { return text.indexOf(word) !== -1; });
          item.classList.toggle("d-none", !match);
          if (match) { shown += 1; }
        });
        if (empty) { empty.hidden = shown > 0; }
      });
    }
    var bodyField = field(prefix, "body"), chosenField = field(prefix, "saved_reply_id");
    if (bodyField && chosenField) {  // emptied the reply box: the saved reply is not what goes out any more
      bodyField.addEventListener("input", function () { if (!bodyField.value.trim()) { chosenField.value = ""; } });
    }
    box.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-saved-reply-insert]") : null;
      if (!button) { return; }
      var body = field(prefix, "body"), chosen = field(prefix, "saved_reply_id"), status = field(prefix, "status_after");
      if (!body) { return; }
      var text = button.dataset.text || "";
      body.value = body.value.trim() ? body.value.replace(/\s+$/, "") + "\n\n" + text : text;
      if (chosen) { chosen.value = button.dataset.savedReplyInsert; }
      if (status && button.dataset.statusAfter) { status.value = button.dataset.statusAfter; }
      body.focus();
    });
  }

  function init() { document.querySelectorAll("[data-saved-replies]").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
