/* Admin, periodic task form: show the chosen crontab in words under the field (django-celery-beat's own
   behaviour, moved out of an inline script). */
(function () {
  "use strict";
  var $ = window.django && window.django.jQuery;
  var script = document.getElementById("periodic-task-overrides");
  var source = document.getElementById("readable-crontabs");
  if (!$ || !script || !source) { return; }
  var readable = JSON.parse(source.textContent);
  var help = script.dataset.crontabHelp || "";

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var target = $(".field-crontab .help");
    target.text(help);
    target.append(document.createElement("br"));
    target.append(document.createTextNode("Translation: " + (readable[$("#id_crontab").val()] || "")));
  });
})();
